// Configuration read from environment variables through a function, so that tests (and a
// live exporter configured in code) can hand in their own variables instead of the
// process's. No global state of ours: a lookup reads the process environment at call time.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace testscope::otlp {

// Looks up one variable: its value, or nullopt when it is unset or empty (the
// OpenTelemetry SDK specification treats an empty value as unset). A plain callable;
// copies share nothing.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// The process's environment (getenv). Safe from any thread as long as no thread calls
// setenv/putenv at the same time (POSIX's rule for getenv).
Environment process_environment();

// A fixed set of variables, for tests and for configuration given in code.
Environment fixed_environment(std::map<std::string, std::string> variables);

}  // namespace testscope::otlp
