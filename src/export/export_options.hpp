// What `testscope export` is asked to do (docs/export.md); the CLI parses its flags into it.
#pragma once

#include <string>
#include <vector>

namespace testscope::exporting {

// The options of one `testscope export`. Plain data.
struct ExportOptions {
  std::string out;
  bool otlp = false;                  // --otlp was given
  std::string otlp_url;               // its URL; empty: from the environment, else http://localhost:4318
  std::string pushgateway;            // --pushgateway URL; "" for none
  std::string job = "testscope";      // --job: the Pushgateway job
  std::vector<std::string> grouping;  // --grouping NAME=VALUE, repeated
  std::string prom_file;              // --prom-file FILE ("-": standard output); "" for none
};

}  // namespace testscope::exporting
