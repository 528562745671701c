// The spdlog sink: an spdlog message -> testscope::log_event on the logging thread.
#include "testscope/spdlog_sink.hpp"

#include <spdlog/logger.h>
#include <spdlog/spdlog.h>

#include <string_view>

namespace testscope {

Severity to_severity(spdlog::level::level_enum level) noexcept {
  switch (level) {
    case spdlog::level::trace:
      return Severity::kTrace;
    case spdlog::level::debug:
      return Severity::kDebug;
    case spdlog::level::info:
      return Severity::kInfo;
    case spdlog::level::warn:
      return Severity::kWarn;
    case spdlog::level::err:
      return Severity::kError;
    case spdlog::level::critical:
      return Severity::kFatal;
    default:
      return Severity::kInfo;
  }
}

void SpdlogSink::log(const spdlog::details::log_msg& msg) noexcept {
  if (!detail::capture_active()) return;  // the cheap exit, before building the fields
  const std::string_view event(msg.payload.data(), msg.payload.size());
  const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
  const Severity severity = to_severity(msg.level);
  if (msg.source.empty()) {
    log_event(event, {{"logger", logger}}, severity);
  } else {
    log_event(event,
              {{"logger", logger},
               {"code.filepath", msg.source.filename},
               {"code.lineno", msg.source.line},
               {"code.function", msg.source.funcname}},
              severity);
  }
}

std::shared_ptr<SpdlogSink> make_spdlog_sink() noexcept {
  try {
    return std::make_shared<SpdlogSink>();
  } catch (...) {
    return nullptr;
  }
}

std::shared_ptr<SpdlogSink> capture_spdlog(spdlog::logger& logger) noexcept {
  try {
    for (const spdlog::sink_ptr& sink : logger.sinks()) {
      if (auto existing = std::dynamic_pointer_cast<SpdlogSink>(sink)) return existing;
    }
    auto sink = std::make_shared<SpdlogSink>();
    logger.sinks().push_back(sink);
    return sink;
  } catch (...) {
    return nullptr;
  }
}

std::shared_ptr<SpdlogSink> capture_spdlog() noexcept {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (logger == nullptr) return nullptr;
  return capture_spdlog(*logger);
}

}  // namespace testscope
