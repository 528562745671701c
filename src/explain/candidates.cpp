#include "explain/candidates.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "explain/fisher.hpp"

namespace testscope::explain {
namespace {

// Fisher's p-values, cached by table: most candidates share their margins.
class FisherCache {
 public:
  double log10_p(int a, int b, int c, int d) {
    const std::uint64_t key = (static_cast<std::uint64_t>(a) << 48U) |
                              (static_cast<std::uint64_t>(b) << 32U) |
                              (static_cast<std::uint64_t>(c) << 16U) | static_cast<std::uint64_t>(d);
    auto [it, inserted] = cache_.try_emplace(key, 0.0);
    if (inserted) it->second = fisher_log10_p(a, b, c, d);
    return it->second;
  }
  // The smallest p-value a table with these margins can have: all that hold in one group.
  double best_log10_p(const Tally& t) {
    const int holds = t.failing_holds + t.passing_holds;
    const int a1 = std::min(holds, t.failing_total);  // as many as possible in the failing group
    const int b1 = holds - a1;
    const int b2 = std::min(holds, t.passing_total);  // as many as possible in the passing group
    const int a2 = holds - b2;
    return std::min(log10_p(a1, b1, t.failing_total - a1, t.passing_total - b1),
                    log10_p(a2, b2, t.failing_total - a2, t.passing_total - b2));
  }

 private:
  std::unordered_map<std::uint64_t, double> cache_;
};

bool constant(const Tally& t) {
  const int holds = t.failing_holds + t.passing_holds;
  return holds == 0 || holds == t.failing_total + t.passing_total;
}

// What the candidates read of the executions: per operation, its span's times and thread in
// each execution (absent: thread -1), and per execution the events of each span.
class Collector {
 public:
  Collector(const Evidence& evidence, double alpha) : ev_(evidence), log10_alpha_(std::log10(alpha)) {
    const Alignment& a = *ev_.alignment;
    executions_ = a.executions;
    for (std::size_t e = 0; e < executions_; ++e) (ev_.failing[e] != 0 ? failing_count_ : passing_count_)++;
    present_failing_.assign(a.operations.size(), 0);
    present_passing_.assign(a.operations.size(), 0);
    for (std::size_t op = 0; op < a.operations.size(); ++op) {
      for (std::size_t e = 0; e < executions_; ++e) {
        if (a.span(op, e) >= 0) ++(ev_.failing[e] != 0 ? present_failing_ : present_passing_)[op];
      }
    }
    index_events();
  }

  std::vector<RawCandidate> take(int sample_per_group) {
    orders(sample_per_group);
    per_operation();
    metrics();
    return std::move(out_);
  }

 private:
  const SpanRecord* span(std::size_t op, std::size_t e) const {
    const std::int32_t s = ev_.alignment->span(op, e);
    return s < 0 ? nullptr : &(*ev_.traces)[e]->spans[static_cast<std::size_t>(s)];
  }
  bool failing(std::size_t e) const { return ev_.failing[e] != 0; }

  // Present in a tenth of each group, and twice at least: enough to compare orders and
  // durations (where it did not run, they cannot be told and the counts say "of N").
  bool common(std::size_t op) const {
    return 10 * present_failing_[op] >= failing_count_ && 10 * present_passing_[op] >= passing_count_ &&
           present_failing_[op] >= 2 && present_passing_[op] >= 2;
  }

  // Keeps a counted candidate if it could be significant at all (Tarone: the rest cannot
  // and need not be corrected for).
  void keep(RawCandidate c) {
    if (constant(c.tally) || c.tally.failing_total == 0 || c.tally.passing_total == 0) return;
    c.min_log10_p = fisher_.best_log10_p(c.tally);
    if (c.min_log10_p > log10_alpha_) return;
    c.log10_p = fisher_.log10_p(c.tally.failing_holds, c.tally.passing_holds,
                                c.tally.failing_total - c.tally.failing_holds,
                                c.tally.passing_total - c.tally.passing_holds);
    out_.push_back(c);
  }

  void index_events() {
    event_begin_.resize(executions_);
    event_order_.resize(executions_);
    for (std::size_t e = 0; e < executions_; ++e) {
      const ExecutionTrace& t = *(*ev_.traces)[e];
      std::vector<std::uint32_t>& begin = event_begin_[e];
      begin.assign(t.spans.size() + 1, 0);
      for (const EventRecord& event : t.events) ++begin[static_cast<std::size_t>(event.span) + 1];
      for (std::size_t i = 1; i < begin.size(); ++i) begin[i] += begin[i - 1];
      std::vector<std::uint32_t> next(begin.begin(), begin.end() - 1);
      event_order_[e].resize(t.events.size());
      for (std::size_t i = 0; i < t.events.size(); ++i) {
        event_order_[e][next[static_cast<std::size_t>(t.events[i].span)]++] = static_cast<std::uint32_t>(i);
      }
    }
  }

  // ---- orders between operations on two threads

  struct Columns {
    std::vector<std::int64_t> begin, end;
    std::vector<std::int32_t> thread;  // -1: absent
  };

  Columns columns(std::size_t op) const {
    Columns c{std::vector<std::int64_t>(executions_), std::vector<std::int64_t>(executions_),
              std::vector<std::int32_t>(executions_, -1)};
    for (std::size_t e = 0; e < executions_; ++e) {
      if (const SpanRecord* s = span(op, e)) {
        c.begin[e] = s->begin;
        c.end[e] = s->end;
        c.thread[e] = static_cast<std::int32_t>(s->thread);
      }
    }
    return c;
  }

  std::vector<std::size_t> sample(int per_group) const {
    std::vector<std::size_t> f;
    std::vector<std::size_t> p;
    for (std::size_t e = 0; e < executions_; ++e) (failing(e) ? f : p).push_back(e);
    std::vector<std::size_t> chosen;
    for (const auto* group : {&f, &p}) {
      const std::size_t n = std::min(group->size(), static_cast<std::size_t>(per_group));
      for (std::size_t i = 0; i < n; ++i) chosen.push_back((*group)[i * group->size() / n]);
    }
    return chosen;
  }

  static bool before(const Columns& x, Edge ex, const Columns& y, Edge ey, std::size_t e) {
    const std::int64_t tx = ex == Edge::kBegin ? x.begin[e] : x.end[e];
    const std::int64_t ty = ey == Edge::kBegin ? y.begin[e] : y.end[e];
    return tx < ty;
  }

  static constexpr std::array<std::pair<Edge, Edge>, 4> kForms{{{Edge::kEnd, Edge::kBegin},
                                                                {Edge::kBegin, Edge::kEnd},
                                                                {Edge::kBegin, Edge::kBegin},
                                                                {Edge::kEnd, Edge::kEnd}}};

  // Whether any order between x and y differs between executions of the sample.
  static bool varies(const Columns& x, const Columns& y, const std::vector<std::size_t>& sampled) {
    std::array<int, 4> seen{};  // bit 1: seen false, bit 2: seen true
    for (const std::size_t e : sampled) {
      if (x.thread[e] < 0 || y.thread[e] < 0 || x.thread[e] == y.thread[e]) continue;
      for (std::size_t f = 0; f < kForms.size(); ++f) {
        seen[f] |= before(x, kForms[f].first, y, kForms[f].second, e) ? 2 : 1;
      }
    }
    return std::any_of(seen.begin(), seen.end(), [](int s) { return s == 3; });
  }

  void count_pair(std::uint32_t i, std::uint32_t j, const Columns& x, const Columns& y) {
    std::array<Tally, 4> tallies;
    Tally overlap;
    for (std::size_t e = 0; e < executions_; ++e) {
      const bool told = x.thread[e] >= 0 && y.thread[e] >= 0 && x.thread[e] != y.thread[e];
      for (std::size_t f = 0; f < kForms.size(); ++f) {
        tallies[f].add(e, failing(e),
                       told ? static_cast<int>(before(x, kForms[f].first, y, kForms[f].second, e)) : -1);
      }
      overlap.add(e, failing(e),
                  told ? static_cast<int>(x.begin[e] < y.end[e] && y.begin[e] < x.end[e]) : -1);
    }
    for (std::size_t f = 0; f < kForms.size(); ++f) {
      RawCandidate c;
      c.kind = CandidateKind::kOrder;
      c.a = i;
      c.b = j;
      c.edge_a = kForms[f].first;
      c.edge_b = kForms[f].second;
      c.tally = tallies[f];
      keep(c);
    }
    RawCandidate c;
    c.kind = CandidateKind::kOverlap;
    c.a = i;
    c.b = j;
    c.tally = overlap;
    keep(c);
  }

  void orders(int sample_per_group) {
    const Alignment& a = *ev_.alignment;
    const std::vector<std::size_t> sampled = sample(sample_per_group);
    struct Window {
      std::int64_t low, high;
      std::uint32_t op;
    };
    std::vector<Window> windows;
    std::unordered_map<std::uint32_t, Columns> cached;
    for (std::uint32_t op = 0; op < a.operations.size(); ++op) {
      if (!common(op)) continue;
      Window w{kNeverEnded, std::numeric_limits<std::int64_t>::min(), op};
      for (const std::size_t e : sampled) {
        if (const SpanRecord* s = span(op, e)) {
          w.low = std::min(w.low, s->begin);
          w.high = std::max(w.high, s->end);
        }
      }
      if (w.low <= w.high) windows.push_back(w);
    }
    // Only operations whose windows over the sample meet can be ordered differently.
    std::sort(windows.begin(), windows.end(), [](const Window& x, const Window& y) { return x.low < y.low; });
    auto columns_of = [&](std::uint32_t op) -> const Columns& {
      auto it = cached.find(op);
      if (it == cached.end()) it = cached.emplace(op, columns(op)).first;
      return it->second;
    };
    for (std::size_t i = 0; i < windows.size(); ++i) {
      for (std::size_t j = i + 1; j < windows.size() && windows[j].low <= windows[i].high; ++j) {
        const std::uint32_t x = std::min(windows[i].op, windows[j].op);
        const std::uint32_t y = std::max(windows[i].op, windows[j].op);
        if (a.operations[x].identity == a.operations[y].identity) continue;
        const Columns& cx = columns_of(x);
        const Columns& cy = columns_of(y);
        if (varies(cx, cy, sampled)) count_pair(x, y, cx, cy);
      }
    }
  }

  // ---- attributes, events, presence, errors, durations of each operation

  // Candidates "value == v" for the values of one key (kNoString: cannot be told).
  void values(CandidateKind kind, std::uint32_t op, StringId key, StringId field,
              const std::vector<StringId>& per_execution) {
    std::map<StringId, int> counts;
    for (const StringId v : per_execution) {
      if (v != kNoString) ++counts[v];
    }
    if (counts.size() < 2) return;
    // The most frequent values only: a value seen in a few executions cannot separate anything.
    std::vector<std::pair<int, StringId>> ranked;
    ranked.reserve(counts.size());
    for (const auto& [value, count] : counts) ranked.emplace_back(-count, value);
    std::sort(ranked.begin(), ranked.end());
    if (ranked.size() > 16) ranked.resize(16);
    for (const auto& [minus_count, value] : ranked) {
      RawCandidate c;
      c.kind = kind;
      c.a = op;
      c.key = key;
      c.field = field;
      c.value = value;
      for (std::size_t e = 0; e < executions_; ++e) {
        const StringId v = per_execution[e];
        c.tally.add(e, failing(e), v == kNoString ? -1 : static_cast<int>(v == value));
      }
      keep(c);
    }
  }

  void attributes(std::uint32_t op) {
    std::map<StringId, std::vector<StringId>> by_key;
    for (std::size_t e = 0; e < executions_; ++e) {
      const SpanRecord* s = span(op, e);
      if (s == nullptr) continue;
      const ExecutionTrace& t = *(*ev_.traces)[e];
      for (std::uint32_t k = 0; k < s->attribute_count; ++k) {
        const Attribute& attribute = t.attributes[s->attribute_begin + k];
        by_key.try_emplace(attribute.key, executions_, kNoString);
      }
    }
    for (auto& [key, per_execution] : by_key) {
      const std::string& text = ev_.pool->text(key);
      if (text.rfind("code.", 0) == 0 || text.rfind("testscope.", 0) == 0) continue;
      for (std::size_t e = 0; e < executions_; ++e) {
        const SpanRecord* s = span(op, e);
        if (s == nullptr) continue;
        per_execution[e] = kAbsentValue;
        const ExecutionTrace& t = *(*ev_.traces)[e];
        for (std::uint32_t k = 0; k < s->attribute_count; ++k) {
          const Attribute& attribute = t.attributes[s->attribute_begin + k];
          if (attribute.key == key) per_execution[e] = attribute.value;
        }
      }
      values(CandidateKind::kAttribute, op, key, kNoString, per_execution);
    }
  }

  void events(std::uint32_t op) {
    // Per event name: whether the span had one, and the fields of the first.
    std::map<StringId, std::vector<std::int32_t>> first;  // event index per execution; -1 none; -2 no span
    for (std::size_t e = 0; e < executions_; ++e) {
      const std::int32_t s = ev_.alignment->span(op, e);
      if (s < 0) continue;
      const ExecutionTrace& t = *(*ev_.traces)[e];
      for (std::uint32_t k = event_begin_[e][static_cast<std::size_t>(s)];
           k < event_begin_[e][static_cast<std::size_t>(s) + 1]; ++k) {
        const std::uint32_t index = event_order_[e][k];
        auto [it, inserted] = first.try_emplace(t.events[index].name, executions_, -1);
        if (it->second[e] < 0) it->second[e] = static_cast<std::int32_t>(index);
      }
    }
    for (const auto& [name, per_execution] : first) event_candidates(op, name, per_execution);
  }

  // "A recorded event E" and "A's event E had f=v", from the first such event per execution.
  void event_candidates(std::uint32_t op, StringId name, const std::vector<std::int32_t>& per_execution) {
    RawCandidate c;
    c.kind = CandidateKind::kEvent;
    c.a = op;
    c.key = name;
    std::map<StringId, std::vector<StringId>> fields;
    for (std::size_t e = 0; e < executions_; ++e) {
      const bool ran = ev_.alignment->span(op, e) >= 0;
      c.tally.add(e, failing(e), ran ? static_cast<int>(per_execution[e] >= 0) : -1);
      if (per_execution[e] < 0) continue;
      const ExecutionTrace& t = *(*ev_.traces)[e];
      const EventRecord& event = t.events[static_cast<std::size_t>(per_execution[e])];
      for (std::uint32_t k = 0; k < event.attribute_count; ++k) {
        const Attribute& field = t.attributes[event.attribute_begin + k];
        fields.try_emplace(field.key, executions_, kNoString).first->second[e] = field.value;
      }
    }
    keep(c);
    for (auto& [field, per_field] : fields) {
      for (std::size_t e = 0; e < executions_; ++e) {
        if (per_execution[e] >= 0 && per_field[e] == kNoString) per_field[e] = kAbsentValue;
      }
      values(CandidateKind::kEvent, op, name, field, per_field);
    }
  }

  void presence_and_errors(std::uint32_t op) {
    RawCandidate present;
    present.kind = CandidateKind::kPresence;
    present.a = op;
    RawCandidate error;
    error.kind = CandidateKind::kError;
    error.a = op;
    for (std::size_t e = 0; e < executions_; ++e) {
      const SpanRecord* s = span(op, e);
      present.tally.add(e, failing(e), static_cast<int>(s != nullptr));
      error.tally.add(e, failing(e), s == nullptr ? -1 : static_cast<int>(s->error));
    }
    keep(present);
    keep(error);
  }

  // The span's own time: its duration less the injected waits on its thread inside it.
  static std::int64_t own_duration(const ExecutionTrace& t, const SpanRecord& s) {
    std::int64_t waited = 0;
    for (const WaitRecord& w : t.waits) {
      if (w.thread == s.thread && w.time > s.begin && w.time < s.end) waited += w.wait_ns;
    }
    return std::max<std::int64_t>(0, s.end - s.begin - waited);
  }

  void durations(std::uint32_t op) {
    if (!common(op)) return;
    std::vector<std::int64_t> d(executions_, -1);
    std::vector<std::int64_t> pooled;
    for (std::size_t e = 0; e < executions_; ++e) {
      const SpanRecord* s = span(op, e);
      if (s == nullptr || s->end == kNeverEnded) continue;
      d[e] = own_duration(*(*ev_.traces)[e], *s);
      pooled.push_back(d[e]);
    }
    if (pooled.size() < 4) return;
    std::sort(pooled.begin(), pooled.end());
    std::int64_t last = -1;
    for (int decile = 1; decile <= 9; ++decile) {
      const std::int64_t threshold = pooled[pooled.size() * static_cast<std::size_t>(decile) / 10];
      if (threshold == last) continue;
      last = threshold;
      RawCandidate c;
      c.kind = CandidateKind::kDuration;
      c.a = op;
      c.threshold = threshold;
      for (std::size_t e = 0; e < executions_; ++e) {
        c.tally.add(e, failing(e), d[e] < 0 ? -1 : static_cast<int>(d[e] > threshold));
      }
      keep(c);
    }
  }

  void per_operation() {
    const Alignment& a = *ev_.alignment;
    for (std::uint32_t op = 0; op < a.operations.size(); ++op) {
      if (present_failing_[op] + present_passing_[op] < 2) continue;
      presence_and_errors(op);
      attributes(op);
      events(op);
      durations(op);
    }
  }

  void metrics() {
    std::map<StringId, std::vector<StringId>> series;
    for (std::size_t e = 0; e < executions_; ++e) {
      for (const MetricRecord& m : (*ev_.traces)[e]->metrics) {
        series.try_emplace(m.series, executions_, kAbsentValue).first->second[e] = m.value;
      }
    }
    for (const auto& [name, per_execution] : series) {
      values(CandidateKind::kMetric, 0, name, kNoString, per_execution);
    }
  }

  const Evidence& ev_;
  double log10_alpha_;
  std::size_t executions_ = 0;
  int failing_count_ = 0, passing_count_ = 0;
  std::vector<int> present_failing_, present_passing_;
  std::vector<std::vector<std::uint32_t>> event_begin_, event_order_;
  FisherCache fisher_;
  std::vector<RawCandidate> out_;
};

std::int64_t edge_time(const SpanRecord& s, Edge edge) { return edge == Edge::kBegin ? s.begin : s.end; }

}  // namespace

int order_value(const Evidence& evidence, const RawCandidate& order, std::size_t e) {
  const std::int32_t a = evidence.alignment->span(order.a, e);
  const std::int32_t b = evidence.alignment->span(order.b, e);
  if (a < 0 || b < 0) return -1;
  const ExecutionTrace& t = *(*evidence.traces)[e];
  const SpanRecord& x = t.spans[static_cast<std::size_t>(a)];
  const SpanRecord& y = t.spans[static_cast<std::size_t>(b)];
  if (x.thread == y.thread) return -1;
  const std::int64_t tx = order.edge_a == Edge::kBegin ? x.begin : x.end;
  const std::int64_t ty = order.edge_b == Edge::kBegin ? y.begin : y.end;
  return static_cast<int>(tx < ty);
}

std::vector<RawCandidate> recount_orders(const Evidence& evidence,
                                         const std::vector<RawCandidate>& candidates,
                                         const std::vector<char>& within) {
  FisherCache fisher;
  std::vector<RawCandidate> out;
  for (const RawCandidate& c : candidates) {
    if (c.kind != CandidateKind::kOrder) continue;
    RawCandidate again = c;
    again.tally = Tally{};
    for (std::size_t e = 0; e < within.size(); ++e) {
      if (within[e] != 0) again.tally.add(e, evidence.failing[e] != 0, order_value(evidence, c, e));
    }
    const Tally& t = again.tally;
    if (constant(t) || t.failing_total == 0 || t.passing_total == 0) continue;
    again.min_log10_p = fisher.best_log10_p(t);
    again.log10_p = fisher.log10_p(t.failing_holds, t.passing_holds, t.failing_total - t.failing_holds,
                                   t.passing_total - t.passing_holds);
    out.push_back(again);
  }
  return out;
}

std::vector<RawCandidate> collect_candidates(const Evidence& evidence, double alpha, int sample_per_group) {
  return Collector(evidence, alpha).take(sample_per_group);
}

std::int64_t decisive_time(const RawCandidate& c, const Evidence& evidence) {
  const Alignment& a = *evidence.alignment;
  std::vector<std::int64_t> times;
  for (std::size_t e = 0; e < a.executions; ++e) {
    if (evidence.failing[e] == 0) continue;
    const ExecutionTrace& t = *(*evidence.traces)[e];
    const std::int32_t sa = a.span(c.a, e);
    if (c.kind == CandidateKind::kMetric) return kNeverEnded;
    if (sa < 0) continue;
    const SpanRecord& x = t.spans[static_cast<std::size_t>(sa)];
    if (c.kind == CandidateKind::kOrder || c.kind == CandidateKind::kOverlap) {
      const std::int32_t sb = a.span(c.b, e);
      if (sb < 0) continue;
      const SpanRecord& y = t.spans[static_cast<std::size_t>(sb)];
      times.push_back(c.kind == CandidateKind::kOrder
                          ? std::min(edge_time(x, c.edge_a), edge_time(y, c.edge_b))
                          : std::max(x.begin, y.begin));
    } else if (c.kind == CandidateKind::kPresence) {
      times.push_back(x.begin);
    } else if (c.kind == CandidateKind::kDuration) {
      times.push_back(x.begin + c.threshold);
    } else {
      times.push_back(x.end);
    }
  }
  if (times.empty()) return kNeverEnded;
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
  return times[times.size() / 2];
}

}  // namespace testscope::explain
