#include "analysis/run_manifest.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "analysis/json_errors.hpp"

namespace testscope::analysis {
namespace {

using nlohmann::json;

json shard_json(const std::optional<Shard>& shard) {
  if (!shard) return nullptr;
  return {{"index", shard->index}, {"total", shard->total}};
}

// A shard object, or nullopt for null/absent. Throws on a malformed one.
std::optional<Shard> read_shard(const json& parent) {
  if (!parent.contains("shard") || parent["shard"].is_null()) return std::nullopt;
  const json& s = parent["shard"];
  const auto index = s.at("index").get<long long>();
  const auto total = s.at("total").get<long long>();
  const auto shard = parse_shard(std::to_string(index) + "/" + std::to_string(total));
  if (!shard) {
    throw std::runtime_error("shard " + std::to_string(index) + "/" + std::to_string(total) +
                             " is not a valid I/N (1 <= I <= N)");
  }
  return *shard;
}

json options_json(const std::optional<RunOptions>& options) {
  if (!options) return nullptr;
  const RunOptions& o = *options;
  return {{"executions", o.executions},
          {"until_fail", o.until_fail},
          {"time_budget_s", o.time_budget_s > 0 ? json(o.time_budget_s) : json(nullptr)},
          {"jobs", o.jobs},
          {"timeout_s", o.timeout_s > 0 ? json(o.timeout_s) : json(nullptr)},
          {"shuffle", o.shuffle},
          {"seed", o.seed ? json(*o.seed) : json(nullptr)},
          {"provoke", o.provoke.empty() ? json(nullptr) : json(o.provoke)},
          {"replay_of", o.replay_of.empty() ? json(nullptr) : json(o.replay_of)},
          {"out", o.out},
          {"shard", shard_json(o.shard)}};
}

std::optional<RunOptions> read_options(const json& doc) {
  if (!doc.contains("options") || doc["options"].is_null()) return std::nullopt;
  const json& o = doc["options"];
  RunOptions r;
  r.executions = o.value("executions", r.executions);
  r.until_fail = o.value("until_fail", false);
  if (o.contains("time_budget_s") && o["time_budget_s"].is_number()) r.time_budget_s = o["time_budget_s"];
  r.jobs = o.value("jobs", r.jobs);
  if (o.contains("timeout_s") && o["timeout_s"].is_number()) r.timeout_s = o["timeout_s"];
  r.shuffle = o.value("shuffle", false);
  if (o.contains("seed") && o["seed"].is_number_integer()) r.seed = o["seed"].get<long>();
  if (o.contains("provoke") && o["provoke"].is_string()) r.provoke = o["provoke"].get<std::string>();
  if (o.contains("replay_of") && o["replay_of"].is_string()) r.replay_of = o["replay_of"].get<std::string>();
  r.out = o.value("out", std::string());
  r.shard = read_shard(o);
  return r;
}

json hex_or_null(const std::string& hex) { return hex.empty() ? json(nullptr) : json(hex); }

std::string hex_or_empty(const json& parent, const char* key) {
  if (!parent.contains(key) || parent[key].is_null()) return {};
  return parent[key].get<std::string>();
}

json left_running_json(const std::vector<LeftProcess>& processes) {
  json out = json::array();
  for (const LeftProcess& p : processes) out.push_back({{"pid", p.pid}, {"command", p.command}});
  return out;
}

json execution_json(const ExecutionRecord& e) {
  return {{"name", e.name},
          {"dir", "runs/" + e.name},
          {"outcome", e.outcome},
          {"exit_code", e.exit_code >= 0 ? json(e.exit_code) : json(nullptr)},
          {"signal", e.signal != 0 ? json(e.signal) : json(nullptr)},
          {"start_unix_ns", e.start_unix_ns},
          {"duration_ns", e.duration_ns},
          {"seed", e.seed ? json(*e.seed) : json(nullptr)},
          {"shard", shard_json(e.shard)},
          {"provoke",
           e.provoke ? json{{"profile", e.provoke->profile}, {"seed", e.provoke->seed}} : json(nullptr)},
          {"source", e.source ? json{{"tree", e.source->tree}, {"name", e.source->name}} : json(nullptr)},
          {"trace_id", hex_or_null(e.trace_id)},
          {"span_id", hex_or_null(e.span_id)},
          {"left_running", left_running_json(e.left_running)}};
}

ExecutionRecord read_execution(const json& e) {
  ExecutionRecord r;
  r.name = e.at("name").get<std::string>();
  r.outcome = e.at("outcome").get<std::string>();
  if (e.contains("exit_code") && e["exit_code"].is_number()) r.exit_code = e["exit_code"].get<int>();
  if (e.contains("signal") && e["signal"].is_number()) r.signal = e["signal"].get<int>();
  r.start_unix_ns = e.value("start_unix_ns", std::int64_t{0});
  r.duration_ns = e.value("duration_ns", std::int64_t{0});
  if (e.contains("seed") && e["seed"].is_number()) r.seed = e["seed"].get<std::int64_t>();
  r.shard = read_shard(e);
  if (e.contains("provoke") && e["provoke"].is_object()) {
    r.provoke = ProvokeRecord{e["provoke"].at("profile").get<std::string>(),
                              e["provoke"].at("seed").get<std::uint64_t>()};
  }
  if (e.contains("source") && e["source"].is_object()) {
    r.source =
        ExecutionSource{e["source"].at("tree").get<std::string>(), e["source"].at("name").get<std::string>()};
  }
  r.trace_id = hex_or_empty(e, "trace_id");
  r.span_id = hex_or_empty(e, "span_id");
  if (e.contains("left_running") && e["left_running"].is_array()) {
    for (const json& p : e["left_running"]) {
      r.left_running.push_back(
          LeftProcess{p.at("pid").get<std::int64_t>(), p.at("command").get<std::string>()});
    }
  }
  return r;
}

}  // namespace

std::string run_manifest_json(const RunManifest& m) {
  json executions = json::array();
  for (const ExecutionRecord& e : m.executions) executions.push_back(execution_json(e));
  json inputs = json::array();
  for (const MergedInput& i : m.inputs) {
    inputs.push_back({{"tree", i.tree},
                      {"program", i.program},
                      {"shard", shard_json(i.shard)},
                      {"executions", i.executions},
                      {"interrupted", i.interrupted}});
  }
  json doc = {{"schema", 1},
              {"command", m.command},
              {"argv", m.argv},
              {"program", m.program},
              {"options", options_json(m.options)},
              {"inputs", inputs},
              {"start_unix_ns", m.start_unix_ns},
              {"end_unix_ns", m.end_unix_ns},
              {"interrupted", m.interrupted},
              {"trace_id", hex_or_null(m.trace_id)},
              {"span_id", hex_or_null(m.span_id)},
              {"parent_span_id", hex_or_null(m.parent_span_id)},
              {"executions", executions}};
  // Replace, not throw: argv and the input folders are the user's bytes.
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

RunManifest parse_run_manifest(const std::string& text) {
  const json doc = parse_json_or_throw(text);
  try {
    RunManifest m;
    m.command = doc.value("command", std::string("run"));
    m.argv = doc.value("argv", std::vector<std::string>{});
    m.program = doc.at("program").get<std::vector<std::string>>();
    m.options = read_options(doc);
    if (doc.contains("inputs")) {
      for (const json& i : doc["inputs"]) {
        m.inputs.push_back({i.at("tree").get<std::string>(), i.value("program", std::vector<std::string>{}),
                            read_shard(i), i.value("executions", 0), i.value("interrupted", false)});
      }
    }
    m.start_unix_ns = doc.value("start_unix_ns", std::int64_t{0});
    m.end_unix_ns = doc.value("end_unix_ns", std::int64_t{0});
    m.interrupted = doc.value("interrupted", false);
    m.trace_id = hex_or_empty(doc, "trace_id");
    m.span_id = hex_or_empty(doc, "span_id");
    m.parent_span_id = hex_or_empty(doc, "parent_span_id");
    for (const json& e : doc.at("executions")) m.executions.push_back(read_execution(e));
    return m;
  } catch (const json::exception& e) {
    throw std::runtime_error(describe_json_error(e));
  }
}

}  // namespace testscope::analysis
