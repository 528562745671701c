// The resource attributes an exporter adds from its environment: the CI run it is part
// of (GitHub Actions), OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME.
#pragma once

#include <string>
#include <vector>

#include "otel_env/environment.hpp"
#include "otel_env/key_value_list.hpp"

namespace testscope::otlp {

// The attributes to merge into every resource sent, in the order they apply (a later
// entry's key wins, and they all win over what the resource already has):
//  1. With GITHUB_ACTIONS=true, the semantic conventions' CI/CD attributes (development
//     status): cicd.pipeline.name (GITHUB_WORKFLOW), cicd.pipeline.run.id
//     (GITHUB_RUN_ID), cicd.pipeline.run.url.full
//     (GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID), and
//     cicd.pipeline.task.name (GITHUB_JOB); each only when its variables are set.
//  2. OTEL_RESOURCE_ATTRIBUTES (k=v,k2=v2, values percent-decoded); a malformed entry is
//     skipped and named in `warnings`.
//  3. service.name from OTEL_SERVICE_NAME, which wins over the same key in 2 (as the SDK
//     specification orders them).
// All values are strings. Never throws except std::bad_alloc.
std::vector<KeyValue> resource_attributes_from_environment(const Environment& env,
                                                           std::vector<std::string>* warnings = nullptr);

}  // namespace testscope::otlp
