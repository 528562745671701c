// Reading Prometheus text format 0.0.4 back in tests: every sample line as a name, its
// labels and its value. Comments (# HELP, # TYPE, ...) are skipped; malformed lines are
// returned in `bad` so a test can fail on them.
#pragma once

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace testscope::testing_support {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromText {
  std::vector<PromSample> samples;
  std::vector<std::string> bad;

  // The sample named `name` whose labels include all of `labels` (others allowed), or null.
  const PromSample* find(const std::string& name,
                         const std::map<std::string, std::string>& labels = {}) const {
    for (const PromSample& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [key, value] : labels) {
        auto it = s.labels.find(key);
        all = all && it != s.labels.end() && it->second == value;
      }
      if (all) return &s;
    }
    return nullptr;
  }
  // How many samples are named `name`.
  std::size_t count(const std::string& name) const {
    std::size_t n = 0;
    for (const PromSample& s : samples) n += s.name == name ? 1 : 0;
    return n;
  }
};

// A quoted label value starting after its opening quote at `i`; `i` ends after the
// closing quote. False if the line ends first.
inline bool parse_label_value(const std::string& line, std::size_t& i, std::string& value) {
  for (; i < line.size() && line[i] != '"'; ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      ++i;
      value.push_back(line[i] == 'n' ? '\n' : line[i]);
    } else {
      value.push_back(line[i]);
    }
  }
  if (i >= line.size()) return false;
  ++i;
  return true;
}

// `{name="value",...}` starting at the '{' at `i`; `i` ends after the '}'.
inline bool parse_labels(const std::string& line, std::size_t& i,
                         std::map<std::string, std::string>& labels) {
  ++i;
  while (i < line.size() && line[i] != '}') {
    const std::size_t eq = line.find('=', i);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
    std::string value;
    const std::string key = line.substr(i, eq - i);
    i = eq + 2;
    if (!parse_label_value(line, i, value)) return false;
    labels[key] = value;
    if (i < line.size() && line[i] == ',') ++i;
  }
  if (i >= line.size()) return false;
  ++i;
  return true;
}

// One sample line: name, optional labels, value.
inline bool parse_sample(const std::string& line, PromSample& sample) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') sample.name.push_back(line[i++]);
  if (sample.name.empty()) return false;
  if (i < line.size() && line[i] == '{' && !parse_labels(line, i, sample.labels)) return false;
  const std::string rest = line.substr(std::min(i, line.size()));
  char* end = nullptr;
  sample.value = std::strtod(rest.c_str(), &end);
  return end != rest.c_str();
}

inline PromText parse_prometheus_text(const std::string& text) {
  PromText out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    PromSample sample;
    if (parse_sample(line, sample)) {
      out.samples.push_back(std::move(sample));
    } else {
      out.bad.push_back(line);
    }
  }
  return out;
}

}  // namespace testscope::testing_support
