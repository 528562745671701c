#include "explain/explain_engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "explain/alignment.hpp"
#include "explain/candidates.hpp"
#include "explain/fisher.hpp"
#include "explain/phrasing.hpp"

namespace testscope::explain {
namespace {

// Which kind of candidate to prefer when two say the same about the same executions: an
// order is the cause the others follow from.
int kind_priority(CandidateKind kind) { return static_cast<int>(kind); }

// Among the forms of one order: "A ended before B began" (or its negation, "B began
// before A ended") is the order of two operations; begin/begin and end/end are weaker.
int form_rank(const RawCandidate& c) {
  if (c.kind != CandidateKind::kOrder) return 0;
  return c.edge_a != c.edge_b ? 0 : (c.edge_a == Edge::kBegin ? 1 : 2);
}

double separation(const Tally& t) {
  return static_cast<double>(t.failing_holds) / t.failing_total -
         static_cast<double>(t.passing_holds) / t.passing_total;
}

// Bonferroni over the candidates that could reach significance at all (Tarone, 1990): the
// smallest m such that at most m candidates have a best possible p-value below alpha / m.
int tarone_count(std::vector<double> best_log10_p, double alpha) {
  std::sort(best_log10_p.begin(), best_log10_p.end());
  const double log10_alpha = std::log10(alpha);
  std::size_t count = best_log10_p.size();
  for (std::size_t m = 1;; ++m) {
    const double limit = log10_alpha - std::log10(static_cast<double>(m));
    while (count > 0 && best_log10_p[count - 1] > limit) --count;
    if (count <= m) return static_cast<int>(m);
  }
}

std::string hex_id(std::uint64_t id) { return fmt::format("{:016x}", id); }

class Explainer {
 public:
  Explainer(const std::vector<ExecutionInput>& executions, StringPool& pool, const ExplainOptions& options)
      : executions_(executions), pool_(pool), options_(options) {}

  TestExplanation run(TestExplanation out) {
    for (const ExecutionInput& x : executions_) {
      (x.failing ? out.failing : out.passing)++;
      if (!x.provoke_profile.empty()) {
        ++out.provoked;
        profiles_.insert(x.provoke_profile);
      }
    }
    for (const std::string& profile : profiles_) {
      out.provoke_profiles += (out.provoke_profiles.empty() ? "" : ", ") + profile;
    }
    if (out.failing == 0 || out.passing == 0) {
      out.status = "not_flaky";
      out.summary = out.failing == 0
                        ? "No execution failed: nothing to explain."
                        : "Every execution failed: there is no passing execution to compare with.";
      return out;
    }
    for (const ExecutionInput& x : executions_) {
      traces_.push_back(&x.trace);
      failing_.push_back(static_cast<char>(x.failing));
    }
    alignment_ = align_executions(traces_, pool_);
    evidence_ = {&traces_, failing_, &alignment_, &pool_};
    raw_ = collect_candidates(evidence_, options_.alpha, options_.sample_per_group);
    std::vector<double> best;
    best.reserve(raw_.size());
    for (const RawCandidate& c : raw_) best.push_back(c.min_log10_p);
    out.candidates = tarone_count(best, options_.alpha);
    out.threshold_log10_p = std::log10(options_.alpha) - std::log10(static_cast<double>(out.candidates));
    threshold_ = out.threshold_log10_p;
    if (fisher_best_log10_p(out.failing, out.passing) > out.threshold_log10_p) return too_few(std::move(out));
    phrasing_.emplace(alignment_, pool_);
    rank(out);
    return out;
  }

 private:
  // ---- choosing

  struct Ranked {
    std::size_t raw = 0;
    bool negated = false;
    double strength = 0;  // |separation|
    std::int64_t decisive = 0;
    std::vector<std::size_t> members;  // the raw candidates folded into this one
  };

  // Folds candidates true in exactly the same executions into the one to state.
  std::vector<Ranked> fold(double threshold) {
    std::unordered_map<std::uint64_t, std::size_t> by_signature;
    std::vector<Ranked> reps;
    for (std::size_t i = 0; i < raw_.size(); ++i) {
      const RawCandidate& c = raw_[i];
      if (c.log10_p > threshold) continue;
      const double s = separation(c.tally);
      Ranked r{i, s < 0, std::fabs(s), decisive_time(c, evidence_), {}};
      const std::uint64_t signature = r.negated ? c.tally.signature_negated : c.tally.signature;
      auto [it, inserted] = by_signature.try_emplace(signature, reps.size());
      if (inserted) {
        reps.push_back(r);
        continue;
      }
      Ranked& kept = reps[it->second];
      if (better_statement(r, kept)) {
        r.members = std::move(kept.members);
        r.members.push_back(kept.raw);
        kept = std::move(r);
      } else {
        kept.members.push_back(i);
      }
    }
    return reps;
  }

  bool better_statement(const Ranked& x, const Ranked& y) const {
    const RawCandidate& a = raw_[x.raw];
    const RawCandidate& b = raw_[y.raw];
    if (kind_priority(a.kind) != kind_priority(b.kind)) return kind_priority(a.kind) < kind_priority(b.kind);
    if (form_rank(a) != form_rank(b)) return form_rank(a) < form_rank(b);
    if (x.negated != y.negated && a.kind != CandidateKind::kOrder) return !x.negated;
    // A span inside another says where more precisely: the read, not the request around it.
    if (depth(a) != depth(b)) return depth(a) > depth(b);
    if (x.decisive != y.decisive) return x.decisive < y.decisive;
    return x.raw < y.raw;
  }

  // Stronger evidence first; on equal counts, the earlier cause, then the simpler kind.
  bool ranks_before(const Ranked& x, const Ranked& y) const {
    const RawCandidate& a = raw_[x.raw];
    const RawCandidate& b = raw_[y.raw];
    if (a.log10_p != b.log10_p) return a.log10_p < b.log10_p;
    if (is_order(a.kind) && is_order(b.kind) && depth(a) != depth(b)) return depth(a) > depth(b);
    if (x.decisive != y.decisive) return x.decisive < y.decisive;
    return better_statement(x, y);
  }

  // How deep in the span tree the candidate's operations are, together.
  int depth(const RawCandidate& c) const {
    if (c.kind == CandidateKind::kMetric) return 0;
    int d = alignment_.paths[alignment_.operations[c.a].path].depth;
    if (is_order(c.kind)) d += alignment_.paths[alignment_.operations[c.b].path].depth;
    return d;
  }

  static bool is_order(CandidateKind kind) {
    return kind == CandidateKind::kOrder || kind == CandidateKind::kOverlap;
  }

  // The weakest statement of an order that still separates: "A began before B ended" is
  // what a read racing a write needs; "A ended before B began" claims more. Rank 0 is weakest.
  static int weakness_rank(const RawCandidate& c, bool negated) {
    const Edge first = negated ? c.edge_b : c.edge_a;
    const Edge second = negated ? c.edge_a : c.edge_b;
    if (first == Edge::kBegin && second == Edge::kEnd) return 0;
    return first == second ? 1 : 2;
  }

  // One statement per pair of operations: of the forms that separate nearly as well as the
  // best (separation within 0.05), the weakest.
  void one_form_per_pair(std::vector<Ranked>& reps) const {
    constexpr double kNearly = 0.05;
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::size_t> best;  // pair -> index in reps
    std::vector<char> drop(reps.size(), 0);
    for (std::size_t i = 0; i < reps.size(); ++i) {
      const RawCandidate& c = raw_[reps[i].raw];
      if (c.kind != CandidateKind::kOrder) continue;
      auto [it, inserted] = best.try_emplace({c.a, c.b}, i);
      if (inserted) continue;
      Ranked& kept = reps[it->second];
      Ranked& other = reps[i];
      const bool prefer_other =
          other.strength > kept.strength + kNearly ||
          (other.strength >= kept.strength - kNearly &&
           weakness_rank(c, other.negated) < weakness_rank(raw_[kept.raw], kept.negated) &&
           kept.strength < other.strength + kNearly);
      const std::size_t loser = prefer_other ? it->second : i;
      if (prefer_other) it->second = i;
      Ranked& winner = reps[it->second];
      winner.members.push_back(reps[loser].raw);
      winner.members.insert(winner.members.end(), reps[loser].members.begin(), reps[loser].members.end());
      drop[loser] = 1;
    }
    std::vector<Ranked> kept;
    for (std::size_t i = 0; i < reps.size(); ++i) {
      if (drop[i] == 0) kept.push_back(reps[i]);
    }
    reps = std::move(kept);
  }

  // The spans a candidate names in execution e, to leave out restatements of one shown already
  // (by thread name instead of role, say).
  std::vector<std::int64_t> concrete(const Ranked& r, std::size_t e) const {
    const RawCandidate& c = raw_[r.raw];
    std::vector<std::int64_t> key{static_cast<std::int64_t>(c.kind),
                                  c.kind == CandidateKind::kMetric ? c.key : 0};
    if (c.kind == CandidateKind::kMetric) return key;
    for (const std::uint32_t op : {c.a, c.b}) {
      key.push_back(alignment_.span(op, e));
      if (!is_order(c.kind)) break;
    }
    if (is_order(c.kind)) std::sort(key.begin() + 2, key.end());
    if (c.kind != CandidateKind::kOrder && c.kind != CandidateKind::kOverlap) key.push_back(c.key);
    return key;
  }

  void rank(TestExplanation& out) {
    std::vector<Ranked> reps = fold(out.threshold_log10_p);
    one_form_per_pair(reps);
    std::sort(reps.begin(), reps.end(),
              [this](const Ranked& x, const Ranked& y) { return ranks_before(x, y); });
    // An order of operations that separates the groups well is the explanation, even when a
    // value it leads to (both read uses=0) separates them as well or better.
    constexpr double kOrderStrength = 0.5;
    // Among those, the ones that separate (nearly) best, then by p: a perfect separation over
    // the executions where it can be told beats a looser one counted over more of them.
    constexpr double kNearly = 0.05;
    double strongest = 0;
    for (const Ranked& r : reps) {
      if (is_order(raw_[r.raw].kind)) strongest = std::max(strongest, r.strength);
    }
    auto top = std::find_if(reps.begin(), reps.end(), [&](const Ranked& r) {
      return is_order(raw_[r.raw].kind) && r.strength >= kOrderStrength && r.strength >= strongest - kNearly;
    });
    if (reps.empty()) {
      nothing_separates(out);
      return;
    }
    out.status = top != reps.end() ? "explained" : "not_ordering";
    if (top == reps.end()) top = reps.begin();
    std::rotate(reps.begin(), top, top + 1);
    std::vector<std::size_t> used;
    Candidate first = describe(reps.front(), true);
    first.equally = equally(reps.front());
    first.refined_by = refine(reps.front());
    first.support = support(reps.front(), used);
    out.failing_example = first.failing_example;
    out.passing_example = first.passing_example;
    out.summary =
        out.status == "explained"
            ? first.statement + "."
            : "No order of operations separates the failing executions from the passing ones; this does: " +
                  first.statement + ".";
    out.explanations.push_back(std::move(first));
    const std::int32_t example = raw_[reps.front().raw].tally.example[reps.front().negated ? 1 : 0];
    std::set<std::vector<std::int64_t>> shown;
    if (example >= 0) shown.insert(concrete(reps.front(), static_cast<std::size_t>(example)));
    for (std::size_t i = 1; i < reps.size() && static_cast<int>(out.explanations.size()) < options_.top;
         ++i) {
      if (std::find(used.begin(), used.end(), reps[i].raw) != used.end()) continue;
      if (example >= 0 && !shown.insert(concrete(reps[i], static_cast<std::size_t>(example))).second) {
        continue;
      }
      out.explanations.push_back(describe(reps[i], true));
    }
    out.roles = phrasing_->role_legend();
  }

  void nothing_separates(TestExplanation& out) {
    out.status = "nothing_separates";
    out.summary = fmt::format(
        "Nothing separates the failing executions from the passing ones: none of the {} candidates (orders "
        "of "
        "operations, values, events, durations, metrics) is significant at {:g}% after correction. The "
        "failure "
        "does not follow any order of operations the spans show: it may be random, or decided where no span "
        "looks.",
        out.candidates, options_.alpha * 100);
    // The closest one, marked not significant, so the reader sees how far it was.
    auto closest =
        std::min_element(raw_.begin(), raw_.end(),
                         [](const RawCandidate& x, const RawCandidate& y) { return x.log10_p < y.log10_p; });
    if (closest != raw_.end()) {
      const double s = separation(closest->tally);
      Ranked r{static_cast<std::size_t>(closest - raw_.begin()), s < 0, std::fabs(s), 0, {}};
      out.explanations.push_back(describe(r, false));
      out.roles = phrasing_->role_legend();
    }
  }

  static TestExplanation too_few(TestExplanation out) {
    out.status = "too_few";
    const int n = out.failing + out.passing;
    const double rate = static_cast<double>(out.failing) / n;
    auto enough = [&](int total) {
      const int f = std::clamp(static_cast<int>(std::lround(rate * total)), 1, total - 1);
      return fisher_best_log10_p(f, total - f) <= out.threshold_log10_p;
    };
    int high = n;
    while (!enough(high) && high < 10'000'000) high *= 2;
    int low = n;
    while (low + 1 < high) {
      const int mid = low + (high - low) / 2;
      (enough(mid) ? high : low) = mid;
    }
    out.more_executions = high - n;
    out.summary = fmt::format(
        "Too few executions to tell a cause from chance: with {} failing and {} passing, even an order that "
        "held in "
        "every failing execution and in no passing one would not be significant among {} candidates. Run at "
        "least "
        "{} more executions (at the failure rate seen so far, {:.1f}%).",
        out.failing, out.passing, out.candidates, out.more_executions, rate * 100);
    return out;
  }

  // ---- describing

  OperationRef operation_ref(std::uint32_t op, Edge edge, bool with_edge, std::int32_t failing_e,
                             std::int32_t passing_e) {
    const Operation& o = alignment_.operations[op];
    OperationRef ref;
    ref.thread = phrasing_->identity_text(o.identity);
    ref.span = pool_.text(o.name);
    ref.path = alignment_.path_text(o.path, pool_);
    ref.occurrence = o.occurrence;
    if (with_edge) ref.edge = edge == Edge::kBegin ? "begin" : "end";
    auto fill = [&](std::int32_t e, std::string& thread, std::string& span_id) {
      if (e < 0) return;
      const std::int32_t s = alignment_.span(op, static_cast<std::size_t>(e));
      if (s < 0) return;
      const ExecutionTrace& t = *traces_[static_cast<std::size_t>(e)];
      const SpanRecord& span = t.spans[static_cast<std::size_t>(s)];
      const StringId name = t.threads[span.thread].name;
      thread = name == kNoString ? fmt::format("tid {}", t.threads[span.thread].os_tid) : pool_.text(name);
      span_id = hex_id(span.span_id);
    };
    fill(failing_e, ref.failing_thread, ref.failing_span_id);
    fill(passing_e, ref.passing_thread, ref.passing_span_id);
    return ref;
  }

  Candidate describe(const Ranked& r, bool significant) { return describe(raw_[r.raw], r, significant); }

  // `c` as stated by `r` (its orientation, folds), with its examples.
  Candidate describe(const RawCandidate& c, const Ranked& r, bool significant) {
    Candidate out;
    out.kind = c.kind;
    out.statement = phrasing_->statement(c, r.negated);
    const Tally& t = c.tally;
    out.failing_total = t.failing_total;
    out.passing_total = t.passing_total;
    out.failing_holds = r.negated ? t.failing_total - t.failing_holds : t.failing_holds;
    out.passing_holds = r.negated ? t.passing_total - t.passing_holds : t.passing_holds;
    out.log10_p = c.log10_p;
    out.significant = significant;
    out.folded = static_cast<int>(r.members.size());
    const std::int32_t failing_e = t.example[r.negated ? 1 : 0];
    const std::int32_t passing_e = t.example[r.negated ? 2 : 3];
    if (failing_e >= 0) out.failing_example = executions_[static_cast<std::size_t>(failing_e)].artifacts;
    if (passing_e >= 0) out.passing_example = executions_[static_cast<std::size_t>(passing_e)].artifacts;
    const bool ordered = is_order(c.kind);
    if (ordered && c.kind == CandidateKind::kOrder && r.negated) {
      out.operations.push_back(operation_ref(c.b, c.edge_b, true, failing_e, passing_e));
      out.operations.push_back(operation_ref(c.a, c.edge_a, true, failing_e, passing_e));
    } else if (c.kind != CandidateKind::kMetric) {
      out.operations.push_back(
          operation_ref(c.a, c.edge_a, c.kind == CandidateKind::kOrder, failing_e, passing_e));
      if (ordered) {
        out.operations.push_back(
            operation_ref(c.b, c.edge_b, c.kind == CandidateKind::kOrder, failing_e, passing_e));
      }
    }
    return out;
  }

  // One side of an order as stated: an operation's edge.
  struct Side {
    std::uint32_t op;
    Edge edge;
    bool operator==(const Side& o) const { return op == o.op && edge == o.edge; }
  };
  static std::array<Side, 2> sides(const RawCandidate& c, bool negated) {
    if (negated) return {Side{c.b, c.edge_b}, Side{c.a, c.edge_a}};
    return {Side{c.a, c.edge_a}, Side{c.b, c.edge_b}};
  }

  // Whether one operation's span path lies inside the other's (a span around the stated one
  // says nothing more than it does).
  bool nested(std::uint32_t x, std::uint32_t y) const {
    auto inside = [this](std::uint32_t inner, std::uint32_t outer) {
      for (std::uint32_t p = inner; p != 0; p = alignment_.paths[p].parent) {
        if (p == outer) return true;
      }
      return false;
    };
    const std::uint32_t px = alignment_.operations[x].path;
    const std::uint32_t py = alignment_.operations[y].path;
    return inside(px, py) || inside(py, px);
  }

  // When a side's edge happened in execution e (0 where it cannot be told).
  std::int64_t edge_time(const Side& side, std::int32_t e) const {
    if (e < 0) return 0;
    const std::int32_t span = alignment_.span(side.op, static_cast<std::size_t>(e));
    if (span < 0) return 0;
    const SpanRecord& r = traces_[static_cast<std::size_t>(e)]->spans[static_cast<std::size_t>(span)];
    return side.edge == Edge::kBegin ? r.begin : r.end;
  }

  // The orders folded into `top` that name another operation of the same thread on one side:
  // edges with nothing of the other side's thread between them in any execution, as in one
  // step of an asyncio task. Timing cannot tell which of them conflicts; the code can.
  std::vector<Candidate> equally(const Ranked& top) {
    constexpr std::size_t kMost = 3;
    const RawCandidate& t = raw_[top.raw];
    if (t.kind != CandidateKind::kOrder) return {};
    const std::array<Side, 2> stated = sides(t, top.negated);
    const std::int32_t example = t.tally.example[top.negated ? 1 : 0];
    // Per side that differs, in the order of its edges in the failing example.
    std::vector<std::tuple<int, std::int64_t, std::size_t>> found;  // (side kept, edge time, raw)
    for (const std::size_t m : top.members) {
      const RawCandidate& c = raw_[m];
      if (c.kind != CandidateKind::kOrder) continue;
      const bool negated = separation(c.tally) < 0;
      const std::array<Side, 2> own = sides(c, negated);
      for (int same = 0; same < 2; ++same) {
        const Side& other = own[1 - same];
        const Side& stated_other = stated[1 - same];
        if (own[same] == stated[same] && other.op != stated_other.op &&
            alignment_.operations[other.op].identity == alignment_.operations[stated_other.op].identity &&
            !nested(other.op, stated_other.op)) {
          found.emplace_back(same, edge_time(other, example), m);
        }
      }
    }
    std::sort(found.begin(), found.end());
    std::vector<Candidate> out;
    for (std::size_t i = 0; i < found.size() && out.size() < kMost; ++i) {
      const std::size_t m = std::get<2>(found[i]);
      out.push_back(describe(Ranked{m, separation(raw_[m].tally) < 0, 0, 0, {}}, true));
    }
    return out;
  }

  // When the top order holds in every failing execution but in some passing ones too (a race
  // that needs two orders at once), the order that separates the failing executions from the
  // passing ones among those where it holds: counted over those only, with its own correction.
  std::vector<Candidate> refine(const Ranked& top) {
    constexpr double kStrength = 0.5;
    constexpr int kFewest = 3;  // passing executions to tell apart, fewer is not worth a claim
    const RawCandidate& t = raw_[top.raw];
    if (t.kind != CandidateKind::kOrder) return {};
    const int failing_holds =
        top.negated ? t.tally.failing_total - t.tally.failing_holds : t.tally.failing_holds;
    const int passing_holds =
        top.negated ? t.tally.passing_total - t.tally.passing_holds : t.tally.passing_holds;
    if (failing_holds != t.tally.failing_total || passing_holds < kFewest) return {};
    std::vector<char> within(traces_.size(), 0);
    for (std::size_t e = 0; e < traces_.size(); ++e) {
      const int v = order_value(evidence_, t, e);
      within[e] = static_cast<char>(v >= 0 && (v == 1) != top.negated);
    }
    std::vector<RawCandidate> again = recount_orders(evidence_, raw_, within);
    std::erase_if(again, [&](const RawCandidate& c) { return c.a == t.a && c.b == t.b; });
    std::vector<double> best;
    best.reserve(again.size());
    for (const RawCandidate& c : again) best.push_back(c.min_log10_p);
    const double threshold =
        std::log10(options_.alpha) - std::log10(static_cast<double>(tarone_count(best, options_.alpha)));
    const RawCandidate* chosen = nullptr;
    Ranked stated;
    for (const RawCandidate& c : again) {
      const double s = separation(c.tally);
      if (c.log10_p > threshold || std::fabs(s) < kStrength || c.tally.passing_total < kFewest) continue;
      const Ranked r{0, s < 0, std::fabs(s), decisive_time(c, evidence_), {}};
      // The smallest p; then the deeper spans, the earlier moment, the weaker claim.
      const bool better =
          chosen == nullptr || c.log10_p < chosen->log10_p ||
          (c.log10_p == chosen->log10_p &&
           std::make_tuple(-depth(c), r.decisive, weakness_rank(c, r.negated)) <
               std::make_tuple(-depth(*chosen), stated.decisive, weakness_rank(*chosen, stated.negated)));
      if (better) {
        chosen = &c;
        stated = r;
      }
    }
    if (chosen == nullptr) return {};
    return {describe(*chosen, stated, true)};
  }

  // Values that go with the top order: attributes or events on the same threads that separate
  // (nearly) as well, e.g. "both apply_promo had promo.uses=0".
  std::vector<std::string> support(const Ranked& top, std::vector<std::size_t>& used) {
    const RawCandidate& t = raw_[top.raw];
    if (!is_order(t.kind)) return {};
    const int ia = alignment_.operations[t.a].identity;
    const int ib = alignment_.operations[t.b].identity;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < raw_.size() && lines.size() < 2; ++i) {
      const RawCandidate& c = raw_[i];
      if ((c.kind != CandidateKind::kAttribute && c.kind != CandidateKind::kEvent) ||
          c.log10_p > threshold_) {
        continue;
      }
      const double s = separation(c.tally);
      if (s < 0 || s < 0.8 * top.strength) continue;
      const Operation& o = alignment_.operations[c.a];
      if (o.identity != ia && o.identity != ib) continue;
      const int other = o.identity == ia ? ib : ia;
      used.push_back(i);
      const std::string counts =
          fmt::format("{} of {} failing, {} of {} passing", c.tally.failing_holds, c.tally.failing_total,
                      c.tally.passing_holds, c.tally.passing_total);
      if (c.kind == CandidateKind::kAttribute && c.value != kAbsentValue && same_value_in_failing(c, other)) {
        lines.push_back(fmt::format("both {} had {}={} ({}'s: {})", pool_.text(o.name), pool_.text(c.key),
                                    pool_.text(c.value), phrasing_->identity_text(o.identity), counts));
      } else {
        lines.push_back(fmt::format("{} ({})", phrasing_->statement(c, false), counts));
      }
    }
    return lines;
  }

  // Whether the same operation on thread `identity` had the same value wherever `c` held in a failing
  // execution.
  bool same_value_in_failing(const RawCandidate& c, int identity) {
    const Operation& o = alignment_.operations[c.a];
    const std::int64_t other = phrasing_->operation(identity, o.path, o.occurrence);
    if (other < 0) return false;
    int seen = 0;
    for (std::size_t e = 0; e < traces_.size(); ++e) {
      if (failing_[e] == 0) continue;
      const std::int32_t mine = alignment_.span(c.a, e);
      const std::int32_t theirs = alignment_.span(static_cast<std::size_t>(other), e);
      if (mine < 0 || theirs < 0 || attribute(e, mine, c.key) != c.value) continue;
      if (attribute(e, theirs, c.key) != c.value) return false;
      ++seen;
    }
    return seen > 0;
  }

  StringId attribute(std::size_t e, std::int32_t span, StringId key) const {
    const ExecutionTrace& t = *traces_[e];
    const SpanRecord& s = t.spans[static_cast<std::size_t>(span)];
    for (std::uint32_t k = 0; k < s.attribute_count; ++k) {
      if (t.attributes[s.attribute_begin + k].key == key) return t.attributes[s.attribute_begin + k].value;
    }
    return kAbsentValue;
  }

  const std::vector<ExecutionInput>& executions_;
  StringPool& pool_;
  const ExplainOptions& options_;
  std::set<std::string> profiles_;
  std::vector<const ExecutionTrace*> traces_;
  std::vector<char> failing_;
  Alignment alignment_;
  Evidence evidence_;
  std::vector<RawCandidate> raw_;
  double threshold_ = 0;
  std::optional<Phrasing> phrasing_;  // once the executions are aligned
};

}  // namespace

TestExplanation explain_test(const std::string& name, const std::string& id,
                             const std::vector<ExecutionInput>& executions, StringPool& pool,
                             const ExplainOptions& options) {
  TestExplanation out;
  out.name = name;
  out.id = id;
  return Explainer(executions, pool, options).run(std::move(out));
}

}  // namespace testscope::explain
