// What `check --apply` writes (src/analysis/quarantine_apply.cpp): entries for eligible
// findings with the rule's owner, expiry and mode and the evidence as reason; nothing for
// broken tests, too few executions, tests already quarantined (exactly or by a pattern) or with
// an expired entry; one entry per test; the file's comments kept; the result reads back.
#include "check/quarantine_apply.hpp"

#include <gtest/gtest.h>
#include <testscope/quarantine.hpp>

namespace testscope::analysis {
namespace {

namespace q = testscope::quarantine;

const q::Date kToday{2026, 11, 20};

Finding finding(const std::string& test, QuarantineState state,
                const std::string& rule = "promo-race-flaky") {
  Finding f;
  f.rule = rule;
  f.test = test;
  f.summary = "flaky: failed 2 of 25 executions (8.0%, 95% CI 2.2%-25.0%), above 1.0%";
  f.executions = 25;
  f.evidence = {
      {"3", "fail", std::nullopt, "runs/3/tests/" + test, "promo_tests.cpp:85: Expected equality"},
      {"17", "fail", std::nullopt, "runs/17/tests/" + test, "promo_tests.cpp:85: Expected equality"}};
  f.quarantine = state;
  f.action = QuarantineAction{"promo-team", 7, q::Mode::kRun};
  return f;
}

q::QuarantineFile file(const std::string& text) {
  q::LoadResult loaded = q::parse_quarantine(text, "testscope-quarantine.toml");
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.errors.front().to_string());
  return loaded.file;
}

TEST(QuarantineApply, AddsAnEntryWithTheRulesOwnerExpiryAndTheEvidence) {
  CheckResult result;
  result.findings = {finding("PromoRace.Racy", QuarantineState::kEligible)};
  q::QuarantineFile f = file("# Quarantined tests. Keep this comment.\n");
  const ApplyOutcome outcome = apply_quarantine(result, f, kToday, "out");
  ASSERT_EQ(outcome.items.size(), 1U);
  EXPECT_EQ(outcome.added(), 1);
  const ApplyItem& item = outcome.items[0];
  EXPECT_EQ(item.status, ApplyItem::Status::kAdded);
  EXPECT_EQ(item.detail, "until 2026-11-27 (7 days, owner promo-team, mode run)");
  EXPECT_EQ(f.text().rfind("# Quarantined tests. Keep this comment.\n", 0), 0U);

  const q::LoadResult again = q::parse_quarantine(f.text(), "testscope-quarantine.toml");
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again.file.entries().size(), 1U);
  const q::Entry& e = again.file.entries()[0];
  EXPECT_EQ(e.test, "PromoRace.Racy");
  EXPECT_EQ(e.owner, "promo-team");
  EXPECT_EQ(e.added, kToday);
  EXPECT_EQ(e.expires, (q::Date{2026, 11, 27}));
  EXPECT_EQ(e.mode, q::Mode::kRun);
  EXPECT_EQ(
      e.reason,
      "testscope check, rule promo-race-flaky: flaky: failed 2 of 25 executions (8.0%, 95% CI 2.2%-25.0%), "
      "above 1.0%; executions 3, 17 of out");
}

TEST(QuarantineApply, NeverQuarantinesBrokenTestsOrTooFewExecutions) {
  CheckResult result;
  result.guards.min_executions = 30;
  result.findings = {finding("A.Broken", QuarantineState::kBroken),
                     finding("A.Young", QuarantineState::kTooFewExecutions),
                     finding("A.Reported", QuarantineState::kNotAsked)};
  q::QuarantineFile f = file("");
  const ApplyOutcome outcome = apply_quarantine(result, f, kToday, "out");
  EXPECT_EQ(outcome.added(), 0);
  ASSERT_EQ(outcome.items.size(), 2U);
  EXPECT_EQ(outcome.items[0].status, ApplyItem::Status::kBroken);
  EXPECT_EQ(outcome.items[0].detail, "failed in all 25 executions: broken tests are never quarantined");
  EXPECT_EQ(outcome.items[1].status, ApplyItem::Status::kTooFewExecutions);
  EXPECT_EQ(outcome.items[1].detail, "ran in 25 executions, fewer than guards.min_executions = 30");
  EXPECT_EQ(f.text(), "");
}

TEST(QuarantineApply, NeverDuplicatesAnEntry) {
  CheckResult result;
  result.findings = {finding("PromoRace.Racy", QuarantineState::kEligible),
                     finding("PromoRace.Racy", QuarantineState::kEligible, "another-rule"),
                     finding("Suite.ByPattern", QuarantineState::kEligible),
                     finding("Suite.Expired", QuarantineState::kEligible)};
  q::QuarantineFile f = file(R"(# keep me
[[quarantine]]
test = "Suite.By*"
reason = "r"
owner = "o"
added = 2026-11-01
expires = 2026-12-01

[[quarantine]]
test = "Suite.Expired"   # keep me too
reason = "r"
owner = "o"
added = 2026-10-01
expires = 2026-11-01
)");
  const std::string before = f.text();
  const ApplyOutcome outcome = apply_quarantine(result, f, kToday, "out");
  ASSERT_EQ(outcome.items.size(), 3U);  // one per test
  EXPECT_EQ(outcome.items[0].status, ApplyItem::Status::kAdded);
  EXPECT_EQ(outcome.items[0].rule, "promo-race-flaky");
  EXPECT_EQ(outcome.items[1].status, ApplyItem::Status::kAlreadyQuarantined);
  EXPECT_EQ(outcome.items[1].detail, "by 'Suite.By*' (line 2) until 2026-12-01");
  EXPECT_EQ(outcome.items[2].status, ApplyItem::Status::kExpiredEntry);
  EXPECT_EQ(outcome.items[2].detail,
            "its entry (line 9) expired on 2026-11-01: not renewed; remove it or give it a new expiry");
  EXPECT_EQ(f.text().substr(0, before.size()), before);  // appended, nothing else changed
  EXPECT_EQ(f.entries().size(), 3U);

  // Applying the same findings again adds nothing.
  const ApplyOutcome second = apply_quarantine(result, f, kToday, "out");
  EXPECT_EQ(second.added(), 0);
  EXPECT_EQ(second.items[0].status, ApplyItem::Status::kAlreadyQuarantined);
  EXPECT_EQ(second.items[0].detail, "by 'PromoRace.Racy' (line 16) until 2026-11-27");
}

TEST(QuarantineApply, NeverAddsAnEntryForATestThatRanQuarantined) {
  // Its runs recorded an entry that still applies, which this file does not hold (the run used
  // another file): the finding does not ask for a second entry. A broken one is refused, and
  // the detail names the entry that hides it.
  const RanQuarantined ran{"PromoRace.* (race; owner alice; until 2026-12-04)", "2026-12-04", true};
  CheckResult result;
  result.findings = {finding("PromoRace.Racy", QuarantineState::kAlreadyQuarantined),
                     finding("PromoRace.Broken", QuarantineState::kBroken)};
  for (Finding& f : result.findings) f.ran_quarantined = ran;
  q::QuarantineFile f = file("");
  const ApplyOutcome outcome = apply_quarantine(result, f, kToday, "out");
  EXPECT_EQ(outcome.added(), 0);
  ASSERT_EQ(outcome.items.size(), 2U);
  EXPECT_EQ(outcome.items[0].status, ApplyItem::Status::kAlreadyQuarantined);
  EXPECT_EQ(outcome.items[0].detail,
            "it ran quarantined by PromoRace.* (race; owner alice; until 2026-12-04); no entry added");
  EXPECT_EQ(outcome.items[1].status, ApplyItem::Status::kBroken);
  EXPECT_EQ(outcome.items[1].detail,
            "failed in all 25 executions: broken tests are never quarantined; it ran quarantined by "
            "PromoRace.* (race; owner alice; until 2026-12-04): fix it, then remove that entry");
  EXPECT_EQ(f.text(), "");
}

}  // namespace
}  // namespace testscope::analysis
