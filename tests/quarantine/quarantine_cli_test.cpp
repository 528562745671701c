// `testscope quarantine add|remove|list` run as a real process in a scratch folder: the file
// it writes is read back with the library; exit codes 0 and 2; comments survive edits. Runs
// the command through the CLI tests' harness (tests/cli/cli_harness.hpp).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <testscope/quarantine.hpp>

#include <string>
#include <vector>

#include "cli_harness.hpp"

namespace testscope::quarantine {
namespace {

using cli_test::Result;
using cli_test::slurp;
using cli_test::write_file;

class QuarantineCliTest : public cli_test::CliTest {
 protected:
  // Runs `testscope quarantine args...` with the scratch folder as its working directory.
  Result quarantine(std::vector<std::string> args) {
    args.insert(args.begin(), "quarantine");
    return testscope(args);
  }

  std::vector<Entry> entries(const std::string& file = "testscope-quarantine.toml") {
    const LoadResult loaded = load_quarantine(dir() / file);
    EXPECT_TRUE(loaded.ok());
    return loaded.file.entries();
  }
};

TEST_F(QuarantineCliTest, AddCreatesTheDefaultFileWithAFortnightsExpiry) {
  const Date today = Date::today();
  const Result r =
      quarantine({"add", "PromoTest.RacyApply", "--reason", "race, see #123", "--owner", "alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "quarantined PromoTest.RacyApply until " + today.plus_days(14).to_string() +
                       " (14 days, mode run) in testscope-quarantine.toml (new file)\n");
  const auto e = entries();
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].test, "PromoTest.RacyApply");
  EXPECT_EQ(e[0].reason, "race, see #123");
  EXPECT_EQ(e[0].owner, "alice");
  EXPECT_EQ(e[0].added, today);
  EXPECT_EQ(e[0].expires, today.plus_days(14));
  EXPECT_EQ(e[0].mode, Mode::kRun);
}

TEST_F(QuarantineCliTest, AddWithExpiryModeAndFile) {
  const std::string expires = Date::today().plus_days(30).to_string();
  const Result r = quarantine({"add", "Db.*", "--reason", "slow", "--owner", "bob", "--expires", expires,
                               "--mode", "skip", "--file", "ci/q.toml"});
  EXPECT_EQ(r.exit_code, 2) << "the folder does not exist";
  EXPECT_NE(r.err.find("ci/q.toml"), std::string::npos) << r.err;
  std::filesystem::create_directories(dir() / "ci");
  ASSERT_EQ(quarantine({"add", "Db.*", "--reason", "slow", "--owner", "bob", "--expires", expires, "--mode",
                        "skip", "--file", "ci/q.toml"})
                .exit_code,
            0);
  const auto e = entries("ci/q.toml");
  ASSERT_EQ(e.size(), 1U);
  EXPECT_EQ(e[0].expires.to_string(), expires);
  EXPECT_EQ(e[0].mode, Mode::kSkip);
  EXPECT_FALSE(std::filesystem::exists(dir() / "testscope-quarantine.toml"));
}

TEST_F(QuarantineCliTest, AddRefusesBadInputWithExitTwo) {
  const std::vector<std::string> base{"add", "A.B", "--reason", "r", "--owner", "o"};
  ASSERT_EQ(quarantine(base).exit_code, 0);
  const std::string before = slurp(dir() / "testscope-quarantine.toml");
  const auto with = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return quarantine(args);
  };
  Result r = quarantine(base);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("testscope-quarantine.toml:5: 'A.B' already has an entry"), std::string::npos)
      << r.err;
  r = quarantine({"add", "*", "--reason", "r", "--owner", "o"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("matches every test"), std::string::npos) << r.err;
  EXPECT_EQ(quarantine({"add", "C.D", "--reason", "r"}).exit_code, 2);  // --owner is required
  EXPECT_EQ(with({"--days", "0"}).exit_code, 2);
  EXPECT_EQ(with({"--mode", "sometimes"}).exit_code, 2);
  EXPECT_EQ(with({"--expires", "2026-02-30"}).exit_code, 2);
  EXPECT_EQ(with({"--expires", "2030-01-01", "--days", "3"}).exit_code, 2);
  r = quarantine({"add", "C.D", "--reason", "r", "--owner", "o", "--expires", Date::today().to_string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("must be after today"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir() / "testscope-quarantine.toml"), before);
}

TEST_F(QuarantineCliTest, RemoveKeepsTheRestOfTheFileByteForByte) {
  const std::string hand_written =
      "# Quarantine for the promo service.  Ask #testing before adding.\n"
      "[[quarantine]]\n"
      "test = \"Promo.Old\"   # since the migration\n"
      "reason = 'legacy'\n"
      "owner = \"carol\"\n"
      "added = 2026-01-01\n"
      "expires = 2099-01-01\n";
  write_file(dir() / "testscope-quarantine.toml", hand_written);
  ASSERT_EQ(quarantine({"add", "Promo.New", "--reason", "r", "--owner", "o"}).exit_code, 0);
  EXPECT_EQ(slurp(dir() / "testscope-quarantine.toml").rfind(hand_written, 0), 0U);
  const Result r = quarantine({"remove", "Promo.New"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "removed Promo.New (line 9) from testscope-quarantine.toml\n");
  EXPECT_EQ(slurp(dir() / "testscope-quarantine.toml"), hand_written);
}

TEST_F(QuarantineCliTest, RemoveWhatIsNotThere) {
  EXPECT_EQ(quarantine({"remove", "A.B"}).exit_code, 2);  // no file
  ASSERT_EQ(quarantine({"add", "Promo.*", "--reason", "r", "--owner", "o"}).exit_code, 0);
  const Result r = quarantine({"remove", "Promo.Racy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "testscope: testscope-quarantine.toml: no entry for 'Promo.Racy'; it is matched by 'Promo.*' at "
            "line 5: "
            "remove that entry to release it\n");
}

TEST_F(QuarantineCliTest, ListShowsAnAlignedTableWithExpiredEntriesMarked) {
  const Date today = Date::today();
  write_file(
      dir() / "testscope-quarantine.toml",
      "[[quarantine]]\ntest = \"PromoTest.RacyApply\"\nreason = \"race\\nsee #123\"\nowner = \"alice\"\n"
      "added = " +
          today.plus_days(-2).to_string() + "\nexpires = " + today.plus_days(12).to_string() +
          "\n\n"
          "[[quarantine]]\ntest = \"Db.*\"\nreason = \"slow\"\nowner = \"bob\"\nadded = " +
          today.plus_days(-40).to_string() + "\nexpires = " + today.plus_days(-3).to_string() +
          "\nmode = \"skip\"\n");
  const Result r = quarantine({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string expected =
      "TEST                 MODE  OWNER  ADDED       EXPIRES     LEFT                REASON\n"
      "PromoTest.RacyApply  run   alice  " +
      today.plus_days(-2).to_string() + "  " + today.plus_days(12).to_string() +
      "  12 days             race see #123\n"
      "Db.*                 skip  bob    " +
      today.plus_days(-40).to_string() + "  " + today.plus_days(-3).to_string() +
      "  expired 3 days ago  slow\n"
      "\n2 entries in testscope-quarantine.toml: 1 expired and no longer applies (renew or remove it)\n";
  EXPECT_EQ(r.out, expected);  // no colour: stdout is not a terminal
}

TEST_F(QuarantineCliTest, ListAsJson) {
  ASSERT_EQ(
      quarantine({"add", "A.B", "--reason", "r", "--owner", "o", "--days", "3", "--mode", "skip"}).exit_code,
      0);
  const Result r = quarantine({"list", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["schema"], 1);
  EXPECT_EQ(json["today"], Date::today().to_string());
  ASSERT_EQ(json["entries"].size(), 1U);
  const auto& e = json["entries"][0];
  EXPECT_EQ(e["test"], "A.B");
  EXPECT_EQ(e["mode"], "skip");
  EXPECT_EQ(e["days_left"], 3);
  EXPECT_EQ(e["expired"], false);
  EXPECT_EQ(e["pattern"], false);
  EXPECT_EQ(e["line"], 5);
}

TEST_F(QuarantineCliTest, ListWithoutAFile) {
  const Result r = quarantine({"list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "no tests quarantined in testscope-quarantine.toml (no such file)\n");
}

TEST_F(QuarantineCliTest, ABadFileIsAnInputErrorWithItsPosition) {
  write_file(dir() / "testscope-quarantine.toml", "[[quarantine]]\ntest = \"A.B\"\nreson = \"typo\"\n");
  for (const std::string command : {"list", "add", "remove"}) {
    const Result r = command == "list"  ? quarantine({command})
                     : command == "add" ? quarantine({command, "A.B", "--reason", "r", "--owner", "o"})
                                        : quarantine({command, "A.B"});
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_NE(
        r.err.find("testscope: testscope-quarantine.toml:3:1: unknown key 'reson' in a [[quarantine]] entry "
                   "(did you mean 'reason'?)\n"),
        std::string::npos)
        << command << ": " << r.err;
  }
}

// Parallel CI jobs adding entries at once (issue 14, item 14): every add is kept, and each
// command's exit code says so. Without a lock 4 of 81 survived, every command exiting 0.
TEST_F(QuarantineCliTest, ConcurrentAddsKeepEveryEntry) {
  constexpr int kAdds = 24;
  std::vector<pid_t> adders;
  adders.reserve(kAdds);
  for (int i = 0; i < kAdds; ++i) {
    adders.push_back(start_testscope(
        {"quarantine", "add", "Suite.Test" + std::to_string(i), "--reason", "flaky", "--owner", "ci"}, {},
        "add" + std::to_string(i) + "."));
  }
  for (int i = 0; i < kAdds; ++i) {
    const Result r = wait_testscope(adders[static_cast<std::size_t>(i)], "add" + std::to_string(i) + ".");
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  EXPECT_EQ(entries().size(), static_cast<std::size_t>(kAdds));
}

TEST_F(QuarantineCliTest, UsageErrors) {
  EXPECT_EQ(quarantine({}).exit_code, 2);  // a subcommand is required
  EXPECT_EQ(quarantine({"rename"}).exit_code, 2);
  EXPECT_EQ(quarantine({"list", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(quarantine({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace testscope::quarantine
