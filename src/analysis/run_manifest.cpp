#include "analysis/run_manifest.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "analysis/json_errors.hpp"

namespace testscope::analysis {

using nlohmann::json;

std::string run_manifest_json(const RunManifest& m) {
  json executions = json::array();
  for (const ExecutionRecord& e : m.executions) {
    executions.push_back({{"name", e.name},
                          {"dir", "runs/" + e.name},
                          {"outcome", e.outcome},
                          {"exit_code", e.exit_code >= 0 ? json(e.exit_code) : json(nullptr)},
                          {"signal", e.signal != 0 ? json(e.signal) : json(nullptr)},
                          {"start_unix_ns", e.start_unix_ns},
                          {"duration_ns", e.duration_ns},
                          {"seed", e.seed ? json(*e.seed) : json(nullptr)}});
  }
  const RunOptionsRecord& o = m.options;
  json doc = {{"schema", 1},
              {"argv", m.argv},
              {"program", m.program},
              {"options",
               {{"executions", o.executions},
                {"until_fail", o.until_fail},
                {"time_budget_s", o.time_budget_s > 0 ? json(o.time_budget_s) : json(nullptr)},
                {"jobs", o.jobs},
                {"timeout_s", o.timeout_s > 0 ? json(o.timeout_s) : json(nullptr)},
                {"shuffle", o.shuffle},
                {"out", o.out}}},
              {"start_unix_ns", m.start_unix_ns},
              {"end_unix_ns", m.end_unix_ns},
              {"interrupted", m.interrupted},
              {"executions", executions}};
  return doc.dump(2) + "\n";
}

RunManifest parse_run_manifest(const std::string& text) {
  const json doc = parse_json_or_throw(text);
  try {
    RunManifest m;
    m.argv = doc.value("argv", std::vector<std::string>{});
    m.program = doc.at("program").get<std::vector<std::string>>();
    m.start_unix_ns = doc.value("start_unix_ns", std::int64_t{0});
    m.end_unix_ns = doc.value("end_unix_ns", std::int64_t{0});
    m.interrupted = doc.value("interrupted", false);
    for (const json& e : doc.at("executions")) {
      ExecutionRecord r;
      r.name = e.at("name").get<std::string>();
      r.outcome = e.at("outcome").get<std::string>();
      if (e.contains("exit_code") && e["exit_code"].is_number()) r.exit_code = e["exit_code"].get<int>();
      if (e.contains("signal") && e["signal"].is_number()) r.signal = e["signal"].get<int>();
      r.start_unix_ns = e.value("start_unix_ns", std::int64_t{0});
      r.duration_ns = e.value("duration_ns", std::int64_t{0});
      if (e.contains("seed") && e["seed"].is_number()) r.seed = e["seed"].get<std::int64_t>();
      m.executions.push_back(std::move(r));
    }
    return m;
  } catch (const json::exception& e) {
    throw std::runtime_error(describe_json_error(e));
  }
}

}  // namespace testscope::analysis
