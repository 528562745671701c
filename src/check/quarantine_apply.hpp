// What `testscope check --apply` does to the quarantine file (include/testscope/quarantine.hpp)
// with the findings of a check: an entry for each test a finding marks for quarantine (its
// rule's action is quarantine and the guards allow it), with the rule's owner, expiry and
// mode and the evidence as the reason; never for a broken test or one with too few
// executions; never a second entry for a test the file already quarantines (exactly or by a
// pattern) or that ran under a quarantine that still applies (QuarantineState::kAlreadyQuarantined). Edits go
// through QuarantineFile::add, which keeps the file's comments.
#pragma once

#include <testscope/quarantine.hpp>

#include <string>
#include <vector>

#include "check/rules_eval.hpp"

namespace testscope::analysis {

// What happened to one test a finding asked to quarantine. Plain data.
struct ApplyItem {
  enum class Status {
    kAdded,               // a new entry (`entry`)
    kAlreadyQuarantined,  // an entry that applies today exists, or the test ran under one (`detail` names it)
    kExpiredEntry,        // the file has an expired entry for exactly this test: not renewed
    kBroken,              // refused by the guard: the test failed in every execution
    kTooFewExecutions,    // refused by the guard: too few executions
    kRefused,             // the quarantine library refused the entry (`detail` says why)
  };
  Status status = Status::kAdded;
  std::string test;
  std::string rule;
  std::string detail;       // one line for people
  quarantine::Entry entry;  // kAdded: the entry written
};

// The outcome of --apply. Plain data.
struct ApplyOutcome {
  std::vector<ApplyItem> items;  // one per test, in the order of the findings

  int added() const;
};

// "added", "already quarantined", "expired entry", "broken", "too few executions", "refused".
std::string_view apply_status_name(ApplyItem::Status status);

// Adds the entries to `file` (in memory; the caller saves it) for the findings of `result`
// that ask for quarantine, dated `today`; `tree` (the checked folder as given) goes into each
// entry's reason. One item per test: the first finding (in the result's order) that asks
// decides its rule, owner and expiry.
ApplyOutcome apply_quarantine(const CheckResult& result, quarantine::QuarantineFile& file,
                              quarantine::Date today, const std::string& tree);

}  // namespace testscope::analysis
