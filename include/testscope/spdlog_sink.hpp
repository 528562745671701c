// testscope/spdlog_sink.hpp: messages logged through spdlog, captured as testscope log
// events (target testscope::spdlog).
//
// Code that already logs through spdlog is captured with no change to it: attach the
// sink once at start-up (in main(), or a GoogleTest Environment's SetUp()):
//
//   testscope::capture_spdlog();                       // the default logger (spdlog::info(...))
//   testscope::capture_spdlog(*spdlog::get("promo"));  // a named logger
//   my_logger->sinks().push_back(testscope::make_spdlog_sink());  // or add it yourself
//
// Each message becomes testscope::log_event(event, fields, severity) on the thread that
// logged it, so it is ordered with that thread's spans and carries the span current where
// it was logged:
//   event     the message text (the payload, not the formatted line)
//   fields    "logger": the logger's name; when the call site is known (SPDLOG_INFO and
//             the other SPDLOG_* macros) "code.filepath", "code.lineno", "code.function"
//   severity  trace, debug, info, warn, err, critical -> kTrace, kDebug, kInfo, kWarn,
//             kError, kFatal
// Outside a captured test the sink records nothing and costs one relaxed atomic load; the
// logger's other sinks get every message as before. spdlog's level filtering still
// applies first: a logger at `info` (spdlog's default) never passes debug messages on.
//
// With an async logger, spdlog calls sinks on its worker thread: messages are then
// attributed to that thread and the test's root span, and those still queued when the
// test ends are not part of it. Prefer synchronous loggers in tests.
#pragma once

#include <spdlog/sinks/sink.h>

#include <memory>
#include <string>

#include "testscope/log.hpp"

namespace spdlog {
class logger;
}

namespace testscope {

// The testscope severity of an spdlog level (see the table above; `off` -> kInfo).
Severity to_severity(spdlog::level::level_enum level) noexcept;

// An spdlog sink that records each message it receives with testscope::log_event.
//
// Thread-safe and lock-free: log() may be called from any number of threads at once and
// takes no lock, because it keeps no state of its own (log_event appends to the calling
// thread's own buffer). That is why it derives from spdlog::sinks::sink and not from
// base_sink<Mutex>, whose mutex would only serialise the loggers' threads. It has no
// formatter: set_pattern() and set_formatter() are accepted and ignored. Never throws.
// Its level (set_level) filters like any sink's; it starts at trace.
class SpdlogSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) noexcept override;
  void flush() noexcept override {}
  void set_pattern(const std::string& /*pattern*/) noexcept override {}
  void set_formatter(std::unique_ptr<spdlog::formatter> /*formatter*/) noexcept override {}
};

// A new sink to add to any logger's sinks(). Null only if out of memory.
std::shared_ptr<SpdlogSink> make_spdlog_sink() noexcept;

// Adds a testscope sink to `logger` (or spdlog's default logger) unless it already has one,
// and returns that sink. Idempotent. Like any change to a logger's sinks in spdlog, it
// must not race with threads logging through the same logger: call it before they start.
// Returns null, changing nothing, if there is no default logger or memory ran out.
std::shared_ptr<SpdlogSink> capture_spdlog(spdlog::logger& logger) noexcept;
std::shared_ptr<SpdlogSink> capture_spdlog() noexcept;

}  // namespace testscope
