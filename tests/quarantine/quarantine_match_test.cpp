// Matching test names against entries, which entry wins, expiry, and dates
// (src/quarantine/pattern.cpp, date.cpp, edit.cpp's lookup).
#include <gtest/gtest.h>
#include <testscope/quarantine.hpp>

#include <string>

#include "quarantine_test_util.hpp"

namespace testscope::quarantine {
namespace {

TEST(QuarantineGlobTest, ExactNamesAndWildcards) {
  EXPECT_TRUE(glob_match("PromoTest.RacyApply", "PromoTest.RacyApply"));
  EXPECT_FALSE(glob_match("PromoTest.RacyApply", "PromoTest.RacyApply2"));
  EXPECT_FALSE(glob_match("PromoTest.RacyApply", "promotest.racyapply"));  // case-sensitive
  EXPECT_TRUE(glob_match("PromoTest.*", "PromoTest.RacyApply"));
  EXPECT_TRUE(glob_match("PromoTest.*", "PromoTest."));
  EXPECT_FALSE(glob_match("PromoTest.*", "PromoTests.RacyApply"));
  EXPECT_TRUE(glob_match("*.Racy*", "PromoTest.RacyApply"));
  EXPECT_TRUE(glob_match("*.Racy*", "Prefix/Suite.Racy/3"));  // * crosses '/' and '.'
  EXPECT_FALSE(glob_match("*.Racy*", "PromoTest.AtomicApply"));
  EXPECT_TRUE(glob_match("Suite.Case/?", "Suite.Case/7"));
  EXPECT_FALSE(glob_match("Suite.Case/?", "Suite.Case/12"));
  EXPECT_TRUE(glob_match("A*B*C", "AxxBxxBxxC"));  // backtracking to the last *
  EXPECT_FALSE(glob_match("A*B*C", "AxxBxxCxxB"));
  EXPECT_TRUE(glob_match("**", ""));
  EXPECT_FALSE(glob_match("?", ""));
}

TEST(QuarantineGlobTest, PathologicalPatternsStayFast) {
  const std::string name(20000, 'a');
  const std::string pattern = std::string(50, '*') + std::string(30, 'a') + "b";
  EXPECT_FALSE(glob_match(pattern, name));  // would be exponential with naive recursion
}

TEST(QuarantinePatternTest, WhatAnEntryMayName) {
  EXPECT_EQ(pattern_problem("Suite.Name"), "");
  EXPECT_EQ(pattern_problem("Prefix/Suite.Name/0"), "");
  EXPECT_EQ(pattern_problem("Suite.*"), "");
  EXPECT_NE(pattern_problem(""), "");
  EXPECT_NE(pattern_problem("*"), "");
  EXPECT_NE(pattern_problem("*.*"), "");
  EXPECT_NE(pattern_problem("?*"), "");
  EXPECT_NE(pattern_problem(" A.B"), "");
  EXPECT_NE(pattern_problem("A.B "), "");
  EXPECT_NE(pattern_problem("A.B\t"), "");
  // pytest node ids: '/', '::', '[', ']' and inner spaces are literal characters.
  EXPECT_EQ(pattern_problem("tests/test_promo.py::test_apply[two users]"), "");
  EXPECT_EQ(pattern_problem("tests/test_promo.py::TestRace::*"), "");
  EXPECT_TRUE(glob_match("tests/test_promo.py::test_apply[*]", "tests/test_promo.py::test_apply[two users]"));
  EXPECT_FALSE(glob_match("tests/test_promo.py::test_apply[1]", "tests/test_promo.py::test_apply[2]"));
}

TEST(QuarantineDateTest, ParsesOnlyRealDates) {
  EXPECT_EQ(Date::parse("2026-11-20"), (Date{2026, 11, 20}));
  EXPECT_EQ(Date::parse("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_FALSE(Date::parse("2026-02-29"));
  EXPECT_FALSE(Date::parse("2026-13-01"));
  EXPECT_FALSE(Date::parse("2026-00-10"));
  EXPECT_FALSE(Date::parse("2026-1-01"));
  EXPECT_FALSE(Date::parse("2026-11-20T00:00"));
  EXPECT_FALSE(Date::parse("2026/11/20"));
  EXPECT_FALSE(Date::parse("+026-11-20"));
  EXPECT_FALSE(Date::parse(""));
}

TEST(QuarantineDateTest, Arithmetic) {
  const Date d{2026, 11, 20};
  EXPECT_EQ(d.plus_days(14), (Date{2026, 12, 4}));
  EXPECT_EQ(d.plus_days(45), (Date{2027, 1, 4}));
  EXPECT_EQ(d.plus_days(-20), (Date{2026, 10, 31}));
  EXPECT_EQ(d.days_until(Date{2026, 12, 4}), 14);
  EXPECT_EQ((Date{2026, 12, 4}.days_until(d)), -14);
  EXPECT_EQ((Date{2024, 2, 28}.plus_days(1)), (Date{2024, 2, 29}));
  EXPECT_EQ(d.to_string(), "2026-11-20");
  EXPECT_EQ((Date{5, 1, 2}.to_string()), "0005-01-02");
  EXPECT_TRUE(Date::today().valid());
  EXPECT_LT((Date{2026, 11, 20}), (Date{2026, 12, 1}));
  EXPECT_GT((Date{2027, 1, 1}), (Date{2026, 12, 31}));
}

TEST(QuarantineModeTest, Names) {
  EXPECT_EQ(mode_name(Mode::kRun), "run");
  EXPECT_EQ(mode_name(Mode::kSkip), "skip");
  EXPECT_EQ(parse_mode("skip"), Mode::kSkip);
  EXPECT_FALSE(parse_mode("SKIP"));
}

class QuarantineLookupTest : public testing::ScratchTest {
 protected:
  void SetUp() override {
    ScratchTest::SetUp();
    testing::write(path("q.toml"), R"([[quarantine]]
test = "Promo.*"
reason = "all of the promo suite"
owner = "alice"
added = 2026-11-01
expires = 2026-12-01
mode = "run"

[[quarantine]]
test = "Promo.Hangs"
reason = "hangs"
owner = "bob"
added = 2026-11-01
expires = 2026-11-15
mode = "skip"

[[quarantine]]
test = "*.Racy*"
reason = "races"
owner = "carol"
added = 2026-11-01
expires = 2026-12-15
mode = "skip"

[[quarantine]]
test = "Old.Test"
reason = "gone"
owner = "dan"
added = 2026-10-01
expires = 2026-10-15
)");
    loaded_ = load_quarantine(path("q.toml"));
    ASSERT_TRUE(loaded_.ok()) << loaded_.errors.front().to_string();
  }
  const QuarantineFile& file() const { return loaded_.file; }

 private:
  LoadResult loaded_;
};

TEST_F(QuarantineLookupTest, AnExactEntryWinsOverPatterns) {
  const Match m = file().lookup("Promo.Hangs", Date{2026, 11, 10});
  ASSERT_TRUE(m.quarantined());
  EXPECT_EQ(m.entry->owner, "bob");
  EXPECT_EQ(m.entry->mode, Mode::kSkip);
  EXPECT_EQ(m.expired, nullptr);
}

TEST_F(QuarantineLookupTest, PatternsApplyInFileOrder) {
  const Match m = file().lookup("Promo.RacyApply", Date{2026, 11, 10});  // matches Promo.* and *.Racy*
  ASSERT_TRUE(m.quarantined());
  EXPECT_EQ(m.entry->test, "Promo.*");
  EXPECT_EQ(m.entry->line, 1);
  EXPECT_EQ(file().lookup("Other.RacyApply", Date{2026, 11, 10}).entry->test, "*.Racy*");
}

TEST_F(QuarantineLookupTest, ExpiredEntriesStopApplyingOnTheirExpiryDate) {
  // Promo.Hangs's own entry expired on 2026-11-15: the pattern takes over.
  EXPECT_EQ(file().lookup("Promo.Hangs", Date{2026, 11, 14}).entry->owner, "bob");
  const Match after = file().lookup("Promo.Hangs", Date{2026, 11, 15});
  ASSERT_TRUE(after.quarantined());
  EXPECT_EQ(after.entry->test, "Promo.*");
  // Promo.* expired on 2026-12-01: *.Racy* (the next pattern in file order) applies.
  EXPECT_EQ(file().lookup("Promo.RacyApply", Date{2026, 12, 1}).entry->test, "*.Racy*");
}

TEST_F(QuarantineLookupTest, AnExpiredMatchIsReportedWhenNothingApplies) {
  const Match m = file().lookup("Old.Test", Date{2026, 11, 10});
  EXPECT_FALSE(m.quarantined());
  ASSERT_NE(m.expired, nullptr);
  EXPECT_EQ(m.expired->test, "Old.Test");
  EXPECT_TRUE(m.expired->expired(Date{2026, 11, 10}));
  EXPECT_FALSE(m.expired->expired(Date{2026, 10, 14}));
  // The exact expired entry is named before an expired pattern.
  const Match hangs = file().lookup("Promo.Hangs", Date{2027, 1, 1});
  EXPECT_FALSE(hangs.quarantined());
  EXPECT_EQ(hangs.expired->test, "Promo.Hangs");
  EXPECT_EQ(file().lookup("Promo.Other", Date{2027, 1, 1}).expired->test, "Promo.*");
}

TEST_F(QuarantineLookupTest, UnmatchedTestsAreNotQuarantined) {
  const Match m = file().lookup("Cart.Total", Date{2026, 11, 10});
  EXPECT_FALSE(m.quarantined());
  EXPECT_EQ(m.expired, nullptr);
  EXPECT_EQ(file().find("Promo.*")->owner, "alice");
  EXPECT_EQ(file().find("Promo.RacyApply"), nullptr);  // find is by the entry's text, not matching
}

}  // namespace
}  // namespace testscope::quarantine
