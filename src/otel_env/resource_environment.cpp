#include "otel_env/resource_environment.hpp"

namespace testscope::otlp {

std::vector<KeyValue> resource_attributes_from_environment(const Environment& env,
                                                           std::vector<std::string>* warnings) {
  std::vector<KeyValue> attributes;
  if (env("GITHUB_ACTIONS") == std::optional<std::string>("true")) {
    if (auto workflow = env("GITHUB_WORKFLOW")) put(attributes, "cicd.pipeline.name", *workflow);
    const auto run_id = env("GITHUB_RUN_ID");
    if (run_id) put(attributes, "cicd.pipeline.run.id", *run_id);
    const auto server = env("GITHUB_SERVER_URL");
    const auto repository = env("GITHUB_REPOSITORY");
    if (server && repository && run_id) {
      std::string url = *server;
      if (url.back() == '/') url.pop_back();
      put(attributes, "cicd.pipeline.run.url.full", url + "/" + *repository + "/actions/runs/" + *run_id);
    }
    if (auto job = env("GITHUB_JOB")) put(attributes, "cicd.pipeline.task.name", *job);
  }
  if (auto text = env("OTEL_RESOURCE_ATTRIBUTES")) {
    std::vector<std::string> skipped;
    for (KeyValue& kv : parse_key_value_list(*text, &skipped)) put(attributes, kv.key, std::move(kv.value));
    if (warnings != nullptr) {
      for (const std::string& entry : skipped) {
        warnings->push_back("OTEL_RESOURCE_ATTRIBUTES: '" + entry + "' is not key=value; ignored");
      }
    }
  }
  if (auto service = env("OTEL_SERVICE_NAME")) put(attributes, "service.name", *service);
  return attributes;
}

}  // namespace testscope::otlp
