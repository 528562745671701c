// testscope/log.hpp: structured log events, recorded with the spans.
//
// The seed's `log_event("promo_applied", code=..., user=...)`, typed and cheap:
//
//   testscope::log_event("promo_applied", {{"code", code}, {"user", user}});
//   testscope::log_event("db_busy", {{"retry", n}}, testscope::Severity::kWarn);
//
// An event goes into the calling thread's buffer like a span record, so it is ordered
// with the spans of its thread and carries the trace and span id that were current
// where it was logged. It appears in logs.jsonl, inline in the console timeline, and as
// an instant event on its thread in trace.chrome.json. With no test being captured it
// costs one relaxed atomic load. Never throws; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "testscope/attribute.hpp"
#include "testscope/detail/recorder_hooks.hpp"

namespace testscope {

// OpenTelemetry severity numbers (the first of each range).
enum class Severity : std::uint8_t {
  kTrace = 1,
  kDebug = 5,
  kInfo = 9,
  kWarn = 13,
  kError = 17,
  kFatal = 21
};

// "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL".
std::string_view to_string(Severity severity) noexcept;

// Records a log event named `event` with typed fields (names and strings are copied).
inline void log_event(std::string_view event, std::initializer_list<Attribute> fields = {},
                      Severity severity = Severity::kInfo) noexcept {
  if (detail::capture_active()) {
    detail::record_log(static_cast<std::uint8_t>(severity), event, fields.begin(), fields.size());
  }
}

}  // namespace testscope
