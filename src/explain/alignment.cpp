#include "explain/alignment.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace testscope::explain {
namespace {

// Per execution: each thread's top-level span names with their first begin, and its shape.
struct ThreadFacts {
  std::vector<std::pair<StringId, std::int64_t>> top;  // sorted by name id
  std::int64_t first_begin = kNeverEnded;
  int shape = -1;
};

std::vector<ThreadFacts> thread_facts(const ExecutionTrace& trace) {
  std::vector<ThreadFacts> facts(trace.threads.size());
  for (std::size_t i = 1; i < trace.spans.size(); ++i) {
    const SpanRecord& span = trace.spans[i];
    ThreadFacts& f = facts[span.thread];
    f.first_begin = std::min(f.first_begin, span.begin);
    const bool top =
        span.parent <= 0 || trace.spans[static_cast<std::size_t>(span.parent)].thread != span.thread;
    if (!top) continue;
    auto it = std::lower_bound(f.top.begin(), f.top.end(), span.name,
                               [](const auto& entry, StringId name) { return entry.first < name; });
    if (it != f.top.end() && it->first == span.name) {
      it->second = std::min(it->second, span.begin);
    } else {
      f.top.insert(it, {span.name, span.begin});
    }
  }
  return facts;
}

std::int64_t begin_of(const ThreadFacts& f, StringId name) {
  for (const auto& [top_name, begin] : f.top) {
    if (top_name == name) return begin;
  }
  return kNeverEnded;
}

// Entropy of the orders in which the threads of `shape` began `name`, over the executions
// with two or more of them; and the median of their first begins (the tie-break: earlier).
std::pair<double, std::int64_t> order_spread(const std::vector<std::vector<ThreadFacts>>& facts,
                                             const std::vector<const ExecutionTrace*>& traces, int shape,
                                             StringId name) {
  std::map<std::vector<StringId>, int> orders;
  std::vector<std::int64_t> begins;
  int counted = 0;
  for (std::size_t e = 0; e < facts.size(); ++e) {
    std::vector<std::pair<std::int64_t, StringId>> members;
    for (std::size_t t = 0; t < facts[e].size(); ++t) {
      if (facts[e][t].shape != shape) continue;
      const std::int64_t begin = begin_of(facts[e][t], name);
      members.emplace_back(begin, traces[e]->threads[t].name);
      if (begin != kNeverEnded) begins.push_back(begin);
    }
    if (members.size() < 2) continue;
    std::sort(members.begin(), members.end());
    std::vector<StringId> order;
    order.reserve(members.size());
    for (const auto& member : members) order.push_back(member.second);
    ++orders[order];
    ++counted;
  }
  double entropy = 0;
  for (const auto& [order, count] : orders) {
    const double p = static_cast<double>(count) / counted;
    entropy -= p * std::log(p);
  }
  std::int64_t median = kNeverEnded;
  if (!begins.empty()) {
    std::nth_element(begins.begin(), begins.begin() + static_cast<std::ptrdiff_t>(begins.size() / 2),
                     begins.end());
    median = begins[begins.size() / 2];
  }
  return {entropy, median};
}

// "client-1" -> "client", "user-u2" -> "user", "worker7" -> "worker", "reader" -> "reader": the
// name without a last part that holds a digit.
std::string name_stem(const std::string& name) {
  auto separator = [](char c) {
    return c == '-' || c == '_' || c == '.' || c == ' ' || c == '/' || c == ':' || c == '#';
  };
  const auto cut = std::find_if(name.rbegin(), name.rend(), separator);
  const std::size_t start = cut == name.rend() ? 0 : static_cast<std::size_t>(name.rend() - cut);
  const std::string last = name.substr(start);
  if (std::none_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) return name;
  if (start > 0) return name.substr(0, start - 1);
  std::string stem = name;
  while (!stem.empty() && stem.back() >= '0' && stem.back() <= '9') stem.pop_back();
  return stem;
}

std::string spans_key(const std::vector<StringId>& names) {
  std::string key = "spans:";
  for (const StringId n : names) key += std::to_string(n) + ",";
  return key;
}

class Aligner {
 public:
  Aligner(const std::vector<const ExecutionTrace*>& traces, const StringPool& pool)
      : traces_(traces), pool_(pool) {
    a_.executions = traces.size();
    a_.paths.push_back({0, kNoString, 0});
  }

  Alignment run() {
    find_shapes();
    choose_role_spans();
    std::vector<std::vector<std::pair<std::uint32_t, std::int32_t>>> found(traces_.size());  // (op, span)
    for (std::size_t e = 0; e < traces_.size(); ++e) found[e] = operations_of(e);
    a_.span_of.assign(a_.operations.size() * traces_.size(), -1);
    for (std::size_t e = 0; e < traces_.size(); ++e) {
      for (const auto& [op, span] : found[e]) a_.span_of[op * traces_.size() + e] = span;
    }
    return std::move(a_);
  }

 private:
  void find_shapes() {
    facts_.resize(traces_.size());
    for (std::size_t e = 0; e < traces_.size(); ++e) {
      facts_[e] = thread_facts(*traces_[e]);
      std::map<int, int> per_shape;
      for (std::size_t t = 0; t < facts_[e].size(); ++t) {
        if (facts_[e][t].top.empty()) continue;  // only the root's thread, or no span at all
        const int shape = shape_of(e, t);
        ThreadShape& s = a_.shapes[static_cast<std::size_t>(shape)];
        s.max_threads = std::max(s.max_threads, ++per_shape[shape]);
      }
    }
    for (ThreadShape& shape : a_.shapes) {
      std::sort(shape.thread_names.begin(), shape.thread_names.end(),
                [this](StringId x, StringId y) { return pool_.text(x) < pool_.text(y); });
    }
  }

  // Thread t of execution e into its shape (made when new), which learns its names and spans.
  int shape_of(std::size_t e, std::size_t t) {
    ThreadFacts& f = facts_[e][t];
    const StringId name = traces_[e]->threads[t].name;
    std::vector<StringId> top_names;
    top_names.reserve(f.top.size());
    for (const auto& entry : f.top) top_names.push_back(entry.first);
    // Named threads: by the name without its number ("client-1", "client-2": "client"), so
    // threads keep their shape when the race changes which spans they run; unnamed ones by
    // the spans they run.
    const std::string key = name != kNoString ? "name:" + name_stem(pool_.text(name)) : spans_key(top_names);
    auto [it, inserted] = shape_ids_.try_emplace(key, static_cast<int>(a_.shapes.size()));
    if (inserted) a_.shapes.push_back({{}, {}, kNoString, 0});
    f.shape = it->second;
    ThreadShape& shape = a_.shapes[static_cast<std::size_t>(f.shape)];
    for (const StringId top : top_names) {
      const auto at = std::lower_bound(shape.top_names.begin(), shape.top_names.end(), top);
      if (at == shape.top_names.end() || *at != top) shape.top_names.insert(at, top);
    }
    if (name != kNoString &&
        std::find(shape.thread_names.begin(), shape.thread_names.end(), name) == shape.thread_names.end()) {
      shape.thread_names.push_back(name);
    }
    return f.shape;
  }

  void choose_role_spans() {
    for (std::size_t s = 0; s < a_.shapes.size(); ++s) {
      ThreadShape& shape = a_.shapes[s];
      shape.role_span = shape.top_names.front();
      if (shape.max_threads < 2) continue;
      double best_entropy = -1;
      std::int64_t best_median = kNeverEnded;
      for (const StringId name : shape.top_names) {
        const auto [entropy, median] = order_spread(facts_, traces_, static_cast<int>(s), name);
        // Clearly more varied wins; about as varied: the one that begins earlier.
        if (entropy > best_entropy + 1e-9 ||
            (std::fabs(entropy - best_entropy) <= 1e-9 && median < best_median)) {
          best_entropy = entropy;
          best_median = median;
          shape.role_span = name;
        }
      }
    }
  }

  int identity_id(const ThreadIdentity& identity) {
    const std::uint64_t key = identity.by_role ? (std::uint64_t{1} << 63U) |
                                                     (static_cast<std::uint64_t>(identity.shape) << 32U) |
                                                     static_cast<std::uint32_t>(identity.rank)
                                               : identity.name;
    auto [it, inserted] = identity_ids_.try_emplace(key, static_cast<int>(a_.identities.size()));
    if (inserted) a_.identities.push_back(identity);
    return it->second;
  }

  // Each thread's identities in execution e: by name (when unique there), by role (when it
  // shares its shape, or has no unique name).
  std::vector<std::pair<int, int>> identities_of(std::size_t e) {
    const ExecutionTrace& trace = *traces_[e];
    const std::vector<ThreadFacts>& facts = facts_[e];
    std::vector<std::pair<int, int>> ids(trace.threads.size(), {-1, -1});
    std::map<int, std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::size_t>>> by_shape;
    for (std::size_t t = 0; t < facts.size(); ++t) {
      if (facts[t].shape < 0) continue;
      const StringId role_span = a_.shapes[static_cast<std::size_t>(facts[t].shape)].role_span;
      by_shape[facts[t].shape].push_back({{begin_of(facts[t], role_span), facts[t].first_begin}, t});
    }
    for (std::size_t t = 0; t < trace.threads.size(); ++t) {
      const StringId name = trace.threads[t].name;
      const bool unique =
          name != kNoString && std::count_if(trace.threads.begin(), trace.threads.end(),
                                             [name](const ThreadRecord& r) { return r.name == name; }) == 1;
      if (unique) ids[t].first = identity_id({false, name, -1, 0});
    }
    for (auto& [shape, members] : by_shape) {
      std::sort(members.begin(), members.end());
      for (std::size_t rank = 0; rank < members.size(); ++rank) {
        const std::size_t t = members[rank].second;
        if (members.size() >= 2 || ids[t].first < 0) {
          ids[t].second = identity_id({true, kNoString, shape, static_cast<int>(rank)});
        }
      }
    }
    return ids;
  }

  std::uint32_t path_id(std::uint32_t parent, StringId name) {
    const std::uint64_t key = (static_cast<std::uint64_t>(parent) << 32U) | name;
    auto [it, inserted] = path_ids_.try_emplace(key, static_cast<std::uint32_t>(a_.paths.size()));
    if (inserted) a_.paths.push_back({parent, name, a_.paths[parent].depth + 1});
    return it->second;
  }

  std::uint32_t operation_id(int identity, std::uint32_t path, int occurrence, StringId name) {
    const std::uint64_t key = (static_cast<std::uint64_t>(identity) << 44U) |
                              (static_cast<std::uint64_t>(path) << 20U) |
                              static_cast<std::uint64_t>(occurrence);
    auto [it, inserted] = op_ids_.try_emplace(key, static_cast<std::uint32_t>(a_.operations.size()));
    if (inserted) a_.operations.push_back({identity, path, occurrence, name});
    return it->second;
  }

  std::vector<std::pair<std::uint32_t, std::int32_t>> operations_of(std::size_t e) {
    const ExecutionTrace& trace = *traces_[e];
    const auto ids = identities_of(e);
    // Paths: parents come before children in a trace written by testscope, but do not rely on it.
    std::vector<std::uint32_t> paths(trace.spans.size(), 0);
    std::vector<char> done(trace.spans.size(), 0);
    done[0] = 1;
    std::vector<std::int32_t> chain;
    for (std::size_t i = 1; i < trace.spans.size(); ++i) {
      auto j = static_cast<std::int32_t>(i);
      chain.clear();
      while (j > 0 && done[static_cast<std::size_t>(j)] == 0 && chain.size() <= trace.spans.size()) {
        chain.push_back(j);
        j = trace.spans[static_cast<std::size_t>(j)].parent;
      }
      std::uint32_t parent_path = j > 0 ? paths[static_cast<std::size_t>(j)] : 0;
      std::reverse(chain.begin(), chain.end());
      for (const std::int32_t link : chain) {
        const auto k = static_cast<std::size_t>(link);
        paths[k] = path_id(parent_path, trace.spans[k].name);
        done[k] = 1;
        parent_path = paths[k];
      }
    }
    std::vector<std::int32_t> order;
    order.reserve(trace.spans.size());
    for (std::size_t i = 1; i < trace.spans.size(); ++i) order.push_back(static_cast<std::int32_t>(i));
    std::stable_sort(order.begin(), order.end(), [&trace](std::int32_t x, std::int32_t y) {
      return trace.spans[static_cast<std::size_t>(x)].begin < trace.spans[static_cast<std::size_t>(y)].begin;
    });
    std::unordered_map<std::uint64_t, int> occurrences;
    std::vector<std::pair<std::uint32_t, std::int32_t>> found;
    found.reserve(order.size() * 2);
    for (const std::int32_t i : order) {
      const SpanRecord& span = trace.spans[static_cast<std::size_t>(i)];
      const std::uint32_t path = paths[static_cast<std::size_t>(i)];
      for (const int identity : {ids[span.thread].first, ids[span.thread].second}) {
        if (identity < 0) continue;
        const int occurrence = occurrences[(static_cast<std::uint64_t>(identity) << 32U) | path]++;
        found.emplace_back(operation_id(identity, path, occurrence, span.name), i);
      }
    }
    return found;
  }

  const std::vector<const ExecutionTrace*>& traces_;
  const StringPool& pool_;
  Alignment a_;
  std::vector<std::vector<ThreadFacts>> facts_;
  std::map<std::string, int> shape_ids_;
  std::unordered_map<std::uint64_t, int> identity_ids_;
  std::unordered_map<std::uint64_t, std::uint32_t> path_ids_;
  std::unordered_map<std::uint64_t, std::uint32_t> op_ids_;
};

}  // namespace

std::string Alignment::path_text(std::uint32_t path, const StringPool& pool) const {
  std::vector<std::uint32_t> chain;
  for (std::uint32_t p = path; p != 0; p = paths[p].parent) chain.push_back(p);
  std::string text;
  std::reverse(chain.begin(), chain.end());
  for (const std::uint32_t p : chain) {
    if (!text.empty()) text += '/';
    text += pool.text(paths[p].name);
  }
  return text;
}

Alignment align_executions(const std::vector<const ExecutionTrace*>& traces, const StringPool& pool) {
  return Aligner(traces, pool).run();
}

}  // namespace testscope::explain
