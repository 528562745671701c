#include "explain/phrasing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace testscope::explain {
namespace {

const char* ordinal(int n) {
  static constexpr std::array<const char*, 6> kWords{"first", "second", "third", "fourth", "fifth", "sixth"};
  return n >= 0 && n < static_cast<int>(kWords.size()) ? kWords[static_cast<std::size_t>(n)] : nullptr;
}

std::string ordinal_text(int n) {
  if (const char* word = ordinal(n)) return word;
  return fmt::format("#{}", n + 1);
}

std::string duration_text(std::int64_t ns) {
  if (ns >= 1'000'000'000) return fmt::format("{:.2f} s", static_cast<double>(ns) / 1e9);
  if (ns >= 1'000'000) return fmt::format("{:.2f} ms", static_cast<double>(ns) / 1e6);
  if (ns >= 1'000) return fmt::format("{:.1f} us", static_cast<double>(ns) / 1e3);
  return fmt::format("{} ns", ns);
}

}  // namespace

Phrasing::Phrasing(const Alignment& alignment, const StringPool& pool) : alignment_(alignment), pool_(pool) {
  for (std::uint32_t op = 0; op < alignment_.operations.size(); ++op) {
    const Operation& o = alignment_.operations[op];
    by_key_[key_of(o.identity, o.path, o.occurrence)] = op;
    auto& paths = paths_by_name_[(static_cast<std::uint64_t>(o.identity) << 32U) | o.name];
    if (std::find(paths.begin(), paths.end(), o.path) == paths.end()) paths.push_back(o.path);
    int& most = most_occurrences_[(static_cast<std::uint64_t>(o.identity) << 32U) | o.path];
    most = std::max(most, o.occurrence);
  }
}

std::uint64_t Phrasing::key_of(int identity, std::uint32_t path, int occurrence) {
  return (static_cast<std::uint64_t>(identity) << 44U) | (static_cast<std::uint64_t>(path) << 20U) |
         static_cast<std::uint64_t>(occurrence);
}

// "user": the common start of the shape's thread names, cut at a separator.
std::string Phrasing::shape_stem(const ThreadShape& shape) const {
  if (shape.thread_names.empty()) return "thread";
  std::string prefix = pool_.text(shape.thread_names.front());
  for (const StringId name : shape.thread_names) {
    const std::string& text = pool_.text(name);
    std::size_t i = 0;
    while (i < prefix.size() && i < text.size() && prefix[i] == text[i]) ++i;
    prefix.resize(i);
  }
  auto separator = [](char c) {
    return c == '-' || c == '_' || c == '.' || c == ' ' || c == '/' || c == ':';
  };
  const bool whole_token =
      std::all_of(shape.thread_names.begin(), shape.thread_names.end(), [&](StringId name) {
        const std::string& text = pool_.text(name);
        return text.size() == prefix.size() || (!prefix.empty() && separator(prefix.back())) ||
               separator(text[prefix.size()]);
      });
  if (!whole_token) {
    const auto cut = std::find_if(prefix.rbegin(), prefix.rend(), separator);
    prefix.resize(cut == prefix.rend() ? 0 : static_cast<std::size_t>(prefix.rend() - cut));
  }
  while (!prefix.empty() && separator(prefix.back())) prefix.pop_back();
  return prefix.empty() ? "thread" : prefix;
}

std::string Phrasing::identity_text(int identity) {
  const ThreadIdentity& id = alignment_.identities[static_cast<std::size_t>(identity)];
  if (!id.by_role) return pool_.text(id.name);
  used_roles_.insert(identity);
  const ThreadShape& shape = alignment_.shapes[static_cast<std::size_t>(id.shape)];
  if (shape.max_threads < 2) return "the thread running " + pool_.text(shape.role_span);
  return "the " + ordinal_text(id.rank) + " " + shape_stem(shape);
}

std::string Phrasing::operation_text(std::uint32_t op) {
  const Operation& o = alignment_.operations[op];
  std::string text = identity_text(o.identity) + "'s ";
  const int most = most_occurrences_[(static_cast<std::uint64_t>(o.identity) << 32U) | o.path];
  if (most > 0) text += ordinal_text(o.occurrence) + " ";
  const auto& paths = paths_by_name_[(static_cast<std::uint64_t>(o.identity) << 32U) | o.name];
  text += paths.size() > 1 ? alignment_.path_text(o.path, pool_) : pool_.text(o.name);
  return text;
}

std::vector<std::string> Phrasing::role_legend() {
  std::vector<std::string> lines;
  for (const int identity : used_roles_) {
    const ThreadIdentity& id = alignment_.identities[static_cast<std::size_t>(identity)];
    const ThreadShape& shape = alignment_.shapes[static_cast<std::size_t>(id.shape)];
    std::string names;
    for (std::size_t i = 0; i < shape.thread_names.size() && i < 6; ++i) {
      names += (i == 0 ? "" : ", ") + pool_.text(shape.thread_names[i]);
    }
    if (shape.thread_names.size() > 6) names += fmt::format(" and {} more", shape.thread_names.size() - 6);
    if (names.empty()) names = "unnamed threads";
    lines.push_back(fmt::format("{}: of the threads {} (same spans), the {} to begin {}",
                                identity_text(identity), names, ordinal_text(id.rank),
                                pool_.text(shape.role_span)));
  }
  return lines;
}

std::string Phrasing::value_text(StringId value) const {
  return value == kAbsentValue ? "(none)" : pool_.text(value);
}

std::string Phrasing::statement(const RawCandidate& c, bool negated) {
  auto verb = [](Edge edge) { return edge == Edge::kBegin ? "began" : "ended"; };
  switch (c.kind) {
    case CandidateKind::kOrder:
      if (!negated) {
        return fmt::format("{} {} before {} {}", operation_text(c.a), verb(c.edge_a), operation_text(c.b),
                           verb(c.edge_b));
      }
      return fmt::format("{} {} before {} {}", operation_text(c.b), verb(c.edge_b), operation_text(c.a),
                         verb(c.edge_a));
    case CandidateKind::kOverlap:
      return fmt::format("{} and {} {}", operation_text(c.a), operation_text(c.b),
                         negated ? "did not overlap" : "overlapped");
    case CandidateKind::kPresence:
      return fmt::format("{} {}", operation_text(c.a), negated ? "did not run" : "ran");
    case CandidateKind::kError:
      return fmt::format("{} ended {} an error", operation_text(c.a), negated ? "without" : "with");
    case CandidateKind::kDuration:
      return fmt::format("{} took {} {} (its own time, injected waits excluded)", operation_text(c.a),
                         negated ? "at most" : "longer than", duration_text(c.threshold));
    default:
      return value_statement(c, negated);
  }
}

// Attributes, event fields and metrics: "A had k=v".
std::string Phrasing::value_statement(const RawCandidate& c, bool negated) {
  if (c.kind == CandidateKind::kMetric) {
    if (c.value == kAbsentValue) {
      return fmt::format("metric {} {}", pool_.text(c.key), negated ? "changed" : "did not change");
    }
    return fmt::format("metric {} {} by {}", pool_.text(c.key), negated ? "did not change" : "changed",
                       pool_.text(c.value));
  }
  if (c.kind == CandidateKind::kEvent) {
    if (c.field == kNoString) {
      return fmt::format("{} {} event {}", operation_text(c.a), negated ? "did not record" : "recorded",
                         pool_.text(c.key));
    }
    return fmt::format("{}'s event {} {} {}={}", operation_text(c.a), pool_.text(c.key),
                       negated ? "did not have" : "had", pool_.text(c.field), value_text(c.value));
  }
  if (c.value == kAbsentValue) {
    return fmt::format("{} {} {}", operation_text(c.a), negated ? "had" : "had no", pool_.text(c.key));
  }
  return fmt::format("{} {} {}={}", operation_text(c.a), negated ? "did not have" : "had", pool_.text(c.key),
                     pool_.text(c.value));
}

std::int64_t Phrasing::operation(int identity, std::uint32_t path, int occurrence) const {
  const auto it = by_key_.find(key_of(identity, path, occurrence));
  return it == by_key_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

}  // namespace testscope::explain
