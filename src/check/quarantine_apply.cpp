#include "check/quarantine_apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace testscope::analysis {
namespace {

namespace q = testscope::quarantine;

// "executions 4, 17, 22 and 3 more" from the evidence.
std::string executions(const Finding& f, std::size_t limit = 10) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < f.evidence.size() && i < limit; ++i) names.push_back(f.evidence[i].execution);
  std::string text = fmt::format("execution{} {}", f.evidence.size() == 1 ? "" : "s", fmt::join(names, ", "));
  if (f.evidence.size() > limit) text += fmt::format(" and {} more", f.evidence.size() - limit);
  return text;
}

// The entry's reason: the rule, what it found, where.
std::string reason(const Finding& f, const std::string& tree) {
  std::string text = fmt::format("testscope check, rule {}: {}", f.rule, f.summary);
  if (!f.evidence.empty()) text += fmt::format("; {}", executions(f));
  text += fmt::format(" of {}", tree);
  if (!f.explanation.empty()) text += "; explained: " + f.explanation;
  if (!f.description.empty()) text = f.description + " (" + text + ")";
  return text;
}

}  // namespace

int ApplyOutcome::added() const {
  return static_cast<int>(std::count_if(
      items.begin(), items.end(), [](const ApplyItem& i) { return i.status == ApplyItem::Status::kAdded; }));
}

std::string_view apply_status_name(ApplyItem::Status status) {
  switch (status) {
    case ApplyItem::Status::kAdded:
      return "added";
    case ApplyItem::Status::kAlreadyQuarantined:
      return "already quarantined";
    case ApplyItem::Status::kExpiredEntry:
      return "expired entry";
    case ApplyItem::Status::kBroken:
      return "broken";
    case ApplyItem::Status::kTooFewExecutions:
      return "too few executions";
    case ApplyItem::Status::kRefused:
      return "refused";
  }
  return "refused";
}

ApplyOutcome apply_quarantine(const CheckResult& result, q::QuarantineFile& file, q::Date today,
                              const std::string& tree) {
  ApplyOutcome out;
  std::set<std::string> seen;
  for (const Finding& f : result.findings) {
    if (f.quarantine == QuarantineState::kNotAsked || !f.action) continue;
    if (!seen.insert(f.test).second) continue;
    ApplyItem item;
    item.test = f.test;
    item.rule = f.rule;
    if (f.quarantine == QuarantineState::kBroken) {
      item.status = ApplyItem::Status::kBroken;
      item.detail =
          fmt::format("failed in all {} executions: broken tests are never quarantined", f.executions);
      if (f.quarantined()) {
        item.detail += fmt::format("; it ran quarantined by {}: fix it, then remove that entry",
                                   f.ran_quarantined->entry);
      }
    } else if (f.quarantine == QuarantineState::kTooFewExecutions) {
      item.status = ApplyItem::Status::kTooFewExecutions;
      item.detail = fmt::format("ran in {} executions, fewer than guards.min_executions = {}", f.executions,
                                result.guards.min_executions);
    } else if (const q::Match m = file.lookup(f.test, today); m.entry != nullptr) {
      item.status = ApplyItem::Status::kAlreadyQuarantined;
      item.detail = fmt::format("by '{}' (line {}) until {}", m.entry->test, m.entry->line,
                                m.entry->expires.to_string());
    } else if (f.quarantine == QuarantineState::kAlreadyQuarantined) {
      // Its runs were quarantined by an entry this file does not hold (another file, or one
      // removed since): the finding does not ask for a second one.
      item.status = ApplyItem::Status::kAlreadyQuarantined;
      item.detail = fmt::format("it ran quarantined by {}; no entry added", f.ran_quarantined->entry);
    } else if (const q::Entry* old = file.find(f.test); old != nullptr) {
      item.status = ApplyItem::Status::kExpiredEntry;
      item.detail =
          fmt::format("its entry (line {}) expired on {}: not renewed; remove it or give it a new expiry",
                      old->line, old->expires.to_string());
    } else {
      q::Entry entry;
      entry.test = f.test;
      entry.reason = reason(f, tree);
      entry.owner = f.action->owner;
      entry.added = today;
      entry.expires = today.plus_days(f.action->expires_days);
      entry.mode = f.action->mode;
      const q::EditResult added = file.add(entry);
      if (added.ok()) {
        item.status = ApplyItem::Status::kAdded;
        item.detail = fmt::format("until {} ({} days, owner {}, mode {})", entry.expires.to_string(),
                                  f.action->expires_days, entry.owner, q::mode_name(entry.mode));
        item.entry = std::move(entry);
      } else {
        item.status = ApplyItem::Status::kRefused;
        item.detail = added.error;
      }
    }
    out.items.push_back(std::move(item));
  }
  return out;
}

}  // namespace testscope::analysis
