// The OpenTelemetry signals testscope sends over OTLP/HTTP.
#pragma once

#include <string_view>

namespace testscope::otlp {

enum class Signal { kTraces, kLogs };

// "traces" | "logs": the word in OTEL_EXPORTER_OTLP_<SIGNAL>_* (upper-cased) and in the
// default path v1/<signal>.
constexpr std::string_view signal_name(Signal signal) noexcept {
  return signal == Signal::kTraces ? "traces" : "logs";
}

// What the signal's items are called in messages: "spans" | "log records".
constexpr std::string_view item_name(Signal signal) noexcept {
  return signal == Signal::kTraces ? "spans" : "log records";
}

}  // namespace testscope::otlp
