// `testscope run --provoke` and `testscope replay` as real processes, on the promo example
// (docs/provoke.md): provoked executions fail far more often than plain ones, the correct
// twin never fails, every wait is in the trace, a replay repeats an execution's settings, and
// a program that cannot be provoked is named.
#include <set>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;  // NOLINT(google-build-using-namespace): the harness is this file's vocabulary

constexpr const char* kRacy = "PromoRace.RacyApplyAllowsExactlyOneUse";
constexpr const char* kAtomic = "PromoRace.AtomicApplyAllowsExactlyOneUse";

// One provocation event's {point, wait_ns}.
std::pair<std::string, std::int64_t> provoke_wait(const json& event) {
  std::string point;
  std::int64_t wait_ns = -1;
  for (const json& a : event["attributes"]) {
    if (a["key"] == "testscope.provoke.point") point = a["value"]["stringValue"];
    if (a["key"] == "testscope.provoke.wait_ns") {
      wait_ns = std::stoll(a["value"]["intValue"].get<std::string>());
    }
  }
  return {point, wait_ns};
}

// The provocation events in an OTLP/JSON trace: {point, wait_ns}.
std::vector<std::pair<std::string, std::int64_t>> provoke_waits(const json& trace) {
  std::vector<std::pair<std::string, std::int64_t>> waits;
  for (const json& resource : trace["resourceSpans"]) {
    for (const json& scope : resource["scopeSpans"]) {
      for (const json& span : scope["spans"]) {
        for (const json& event : span.value("events", json::array())) {
          if (event["name"] == "testscope.provoke.wait") waits.push_back(provoke_wait(event));
        }
      }
    }
  }
  return waits;
}

#ifdef PROMO_TESTS
// Not a timing: 30 executions each way, where plain repetition fails a few percent of the
// time and `heavy` about half (docs/provoke.md); the seed fixes every choice of waits.
TEST_F(CliTest, ProvokedExecutionsFailFarMoreOftenThanPlainOnesAndTheTwinNever) {
  const Result plain = testscope({"run", "-n", "30", "-j", "2", "--out", "plain", "--", PROMO_TESTS});
  const Result provoked = testscope({"run", "-n", "30", "-j", "2", "--provoke=heavy", "--seed", "5", "--out",
                                     "provoked", "--", PROMO_TESTS});
  ASSERT_TRUE(plain.exit_code == 0 || plain.exit_code == 1) << plain.err;
  ASSERT_EQ(provoked.exit_code, 1) << provoked.err;
  const json plain_racy = test_named(read_json("plain/verdicts.json"), kRacy);
  const json provoked_racy = test_named(read_json("provoked/verdicts.json"), kRacy);
  std::printf("racy test: failed %d/30 plain, %d/30 provoked (heavy)\n", plain_racy["failures"].get<int>(),
              provoked_racy["failures"].get<int>());
  EXPECT_GT(provoked_racy["failures"].get<int>(), plain_racy["failures"].get<int>());
  EXPECT_EQ(provoked_racy["provoked"]["runs"], 30);
  EXPECT_NE(
      provoked.out.find("failed " + std::to_string(provoked_racy["failures"].get<int>()) + "/30 provoked"),
      std::string::npos)
      << provoked.out;
  const json atomic = test_named(read_json("provoked/verdicts.json"), kAtomic);
  EXPECT_EQ(atomic["verdict"], "passed");
  EXPECT_EQ(atomic["failures"], 0);

  // Every execution's settings and seed, in testscope-run.json and in its own run.json; the
  // seeds all differ and follow from --seed.
  const json manifest = read_json("provoked/testscope-run.json");
  EXPECT_EQ(manifest["options"]["provoke"], "heavy");
  EXPECT_EQ(manifest["options"]["seed"], 5);
  std::set<std::uint64_t> seeds;
  for (const json& e : manifest["executions"]) {
    ASSERT_EQ(e["provoke"]["profile"], "heavy") << e.dump();
    seeds.insert(e["provoke"]["seed"].get<std::uint64_t>());
    EXPECT_EQ(read_json("provoked/runs/" + e["name"].get<std::string>() + "/run.json")["chaos"],
              e["provoke"]);
  }
  EXPECT_EQ(seeds.size(), 30U);

  // A failing execution's trace shows where the schedule was pushed, and for how long.
  const std::string failing = provoked_racy["failing"][0]["execution"];
  const auto waits = provoke_waits(
      read_json("provoked/runs/" + failing + "/tests/" + std::string(kRacy) + "/trace.otlp.json"));
  ASSERT_FALSE(waits.empty());
  for (const auto& [point, wait_ns] : waits) {
    EXPECT_TRUE(point.rfind("begin ", 0) == 0 || point.rfind("end ", 0) == 0 || point.rfind("log ", 0) == 0)
        << point;
    EXPECT_GT(wait_ns, 0) << point;
  }

  // Replaying it runs it again with exactly its settings.
  const Result replay = testscope({"replay", "provoked", failing, "-n", "4"});
  EXPECT_TRUE(replay.exit_code == 0 || replay.exit_code == 1) << replay.err;
  EXPECT_NE(replay.out.find(std::string(kRacy) + " failed again in "), std::string::npos) << replay.out;
  const json original = manifest["executions"][std::stoi(failing) - 1];
  const json replayed = read_json("provoked/replay-" + failing + "/testscope-run.json");
  EXPECT_EQ(replayed["options"]["replay_of"], failing);
  ASSERT_EQ(replayed["executions"].size(), 4U);
  for (const json& e : replayed["executions"]) EXPECT_EQ(e["provoke"], original["provoke"]) << e.dump();
  // The run it replays is left as it was.
  EXPECT_EQ(read_json("provoked/testscope-run.json"), manifest);
}
#endif

TEST_F(CliTest, ProvokeOnAProgramNotLinkedWithTestscopeSaysSo) {
  const Result r = testscope({"run", "-n", "2", "--provoke", "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("--provoke: nothing was provoked: /bin/true wrote no provocation settings"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(read_json("testscope-out/testscope-run.json")["executions"][0]["provoke"]["profile"], "heavy");
}

// --provoke=auto cycles plain, heavy, light, chaos; the verdict row counts the provoked ones.
TEST_F(CliTest, ProvokeAutoCyclesPlainAndTheProfiles) {
  const Result r = testscope({"run", "-n", "5", "--provoke=auto", "--seed", "3", "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const json manifest = read_json("testscope-out/testscope-run.json");
  EXPECT_EQ(manifest["options"]["provoke"], "auto");
  std::vector<std::string> profiles;
  for (const json& e : manifest["executions"]) {
    profiles.push_back(e["provoke"].is_null() ? "plain" : e["provoke"]["profile"].get<std::string>());
  }
  EXPECT_EQ(profiles, (std::vector<std::string>{"plain", "heavy", "light", "chaos", "plain"}));
}

TEST_F(CliTest, ProvokeAndReplayUsageErrors) {
  Result r = testscope({"run", "--provoke=wild", "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("must be light, medium, heavy, pct, chaos or auto (got 'wild')"), std::string::npos)
      << r.err;
  ASSERT_EQ(testscope({"run", "-n", "1", "--", "/bin/true"}).exit_code, 0);
  r = testscope({"replay", "testscope-out", "7"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no execution '7' (it has 1 to 1)"), std::string::npos) << r.err;
  fs::create_directories(dir() / "empty");
  r = testscope({"replay", "empty", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("testscope-run.json: cannot be read"), std::string::npos) << r.err;
}

}  // namespace
