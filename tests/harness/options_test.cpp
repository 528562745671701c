// parse_options: one parser for every front, in both flag spellings, with the TESTSCOPE_*
// environment under the flags, and the runner's TESTSCOPE_SHARD / TESTSCOPE_SHUFFLE_SEED.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "testscope/harness.hpp"

namespace testscope {
namespace {

// Sets (or with nullopt, unsets) an environment variable for the scope, then restores it.
// NOLINTBEGIN(concurrency-mt-unsafe): each test runs in a process of its own, on one thread
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      setenv(name, value->c_str(), 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};
// NOLINTEND(concurrency-mt-unsafe)

// Every TESTSCOPE_* variable parse_options reads, unset for the test.
class OptionsTest : public ::testing::Test {
 protected:
  struct Parsed {
    SessionOptions options;
    std::vector<std::string> left;  // argv after parsing, program name excluded
    std::vector<std::string> warnings;
  };

  static Parsed parse(FlagStyle style, std::vector<std::string> args) {
    args.insert(args.begin(), "program");
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int argc = static_cast<int>(args.size());
    Parsed parsed;
    parsed.options = parse_options(&argc, argv.data(), style, &parsed.warnings);
    for (int i = 1; i < argc; ++i) parsed.left.emplace_back(argv[i]);
    EXPECT_EQ(argv[argc], nullptr) << "argv stays null-terminated";
    return parsed;
  }

 private:
  std::array<ScopedEnv, 9> env_{{{"TESTSCOPE_ARTIFACTS", std::nullopt},
                                 {"TESTSCOPE_CONSOLE", std::nullopt},
                                 {"TESTSCOPE_METRICS_FILTER", std::nullopt},
                                 {"TESTSCOPE_METRICS_PORT", std::nullopt},
                                 {"TESTSCOPE_OTLP", std::nullopt},
                                 {"TESTSCOPE_PUSHGATEWAY", std::nullopt},
                                 {"TESTSCOPE_QUARANTINE", std::nullopt},
                                 {"TESTSCOPE_SHARD", std::nullopt},
                                 {"TESTSCOPE_SHUFFLE_SEED", std::nullopt}}};
};

TEST_F(OptionsTest, UnderscoreSpellingTakesItsFlagsAndLeavesTheRest) {
  const Parsed p = parse(FlagStyle::kUnderscore,
                         {"--gtest_filter=A.*", "--testscope_artifacts=out", "--testscope_console=always",
                          "--testscope_metrics_filter=promo_", "--testscope_metrics_port=0",
                          "--testscope_otlp", "--testscope_pushgateway=http://gw:9091",
                          "--testscope_quarantine=q.toml", "--testscope-console=never", "positional"});
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_EQ(p.left,
            (std::vector<std::string>{"--gtest_filter=A.*", "--testscope-console=never", "positional"}));
  EXPECT_EQ(p.options.artifacts_dir, "out");
  EXPECT_EQ(p.options.console, ConsoleMode::kAlways);
  EXPECT_EQ(p.options.metrics_filter, "promo_");
  EXPECT_EQ(p.options.metrics_address, "127.0.0.1:0");
  EXPECT_TRUE(p.options.otlp);
  EXPECT_EQ(p.options.pushgateway_url, "http://gw:9091");
  EXPECT_EQ(p.options.quarantine_file, "q.toml");
}

TEST_F(OptionsTest, DashSpellingTakesItsFlagsAndLeavesTheRest) {
  const Parsed p =
      parse(FlagStyle::kDash, {"--reporter=console", "--testscope-artifacts=out", "--testscope-console=never",
                               "--testscope-metrics-filter=promo_", "--testscope-metrics-port=127.0.0.1:9464",
                               "--testscope-otlp=http://c:4318", "--testscope_console=always",
                               "--testscope-quarantine=q.toml"});
  EXPECT_TRUE(p.warnings.empty()) << p.warnings.front();
  EXPECT_EQ(p.left, (std::vector<std::string>{"--reporter=console", "--testscope_console=always"}));
  EXPECT_EQ(p.options.artifacts_dir, "out");
  EXPECT_EQ(p.options.console, ConsoleMode::kNever);
  EXPECT_EQ(p.options.metrics_filter, "promo_");
  EXPECT_EQ(p.options.metrics_address, "127.0.0.1:9464");
  EXPECT_TRUE(p.options.otlp);
  EXPECT_EQ(p.options.otlp_endpoint, "http://c:4318");
  EXPECT_EQ(p.options.quarantine_file, "q.toml");
}

TEST_F(OptionsTest, WarningsNameTheFlagInItsFrontsSpelling) {
  const Parsed dash = parse(FlagStyle::kDash, {"--testscope-console=loud", "--testscope-bogus=1",
                                               "--testscope-artifacts", "--testscope-metrics_filter=x"});
  ASSERT_EQ(dash.warnings.size(), 4U);
  EXPECT_EQ(dash.warnings[0],
            "--testscope-console: expected never, failed or always, got 'loud'; using failed");
  EXPECT_EQ(dash.warnings[1].rfind("unknown flag --testscope-bogus=1 (known: --testscope-artifacts=DIR, ", 0),
            0U)
      << dash.warnings[1];
  EXPECT_NE(dash.warnings[1].find("--testscope-metrics-port=[HOST:]PORT, --testscope-otlp[=URL]"),
            std::string::npos)
      << dash.warnings[1];
  EXPECT_EQ(dash.warnings[2], "--testscope-artifacts: missing '=VALUE'; ignored");
  EXPECT_EQ(dash.warnings[3].rfind("unknown flag --testscope-metrics_filter=x", 0), 0U)
      << "no mixed spellings";
  EXPECT_TRUE(dash.left.empty());
  EXPECT_EQ(dash.options.console, ConsoleMode::kFailed);

  // GoogleTest's front has always listed its flags like this.
  const Parsed underscore = parse(FlagStyle::kUnderscore, {"--testscope_bogus"});
  ASSERT_EQ(underscore.warnings.size(), 1U);
  EXPECT_EQ(underscore.warnings[0],
            "unknown flag --testscope_bogus (known: --testscope_artifacts=DIR, "
            "--testscope_console=never|failed|always, --testscope_metrics_filter=PREFIX, "
            "--testscope_metrics_port=[HOST:]PORT, --testscope_otlp[=URL], --testscope_pushgateway=URL, "
            "--testscope_quarantine=FILE)");
}

TEST_F(OptionsTest, TheEnvironmentIsReadAndFlagsWinOverIt) {
  const ScopedEnv artifacts("TESTSCOPE_ARTIFACTS", "from-env");
  const ScopedEnv console("TESTSCOPE_CONSOLE", "always");
  const ScopedEnv pushgateway("TESTSCOPE_PUSHGATEWAY", "http://gw:9091");
  const ScopedEnv port("TESTSCOPE_METRICS_PORT", "nope");
  for (const FlagStyle style : {FlagStyle::kUnderscore, FlagStyle::kDash}) {
    const std::string prefix = style == FlagStyle::kDash ? "--testscope-" : "--testscope_";
    const Parsed env_only = parse(style, {});
    EXPECT_EQ(env_only.options.artifacts_dir, "from-env");
    EXPECT_EQ(env_only.options.console, ConsoleMode::kAlways);
    EXPECT_EQ(env_only.options.pushgateway_url, "http://gw:9091");
    EXPECT_EQ(env_only.options.metrics_address, "");
    ASSERT_EQ(env_only.warnings.size(), 1U);
    EXPECT_EQ(env_only.warnings[0].rfind("TESTSCOPE_METRICS_PORT: ", 0), 0U) << env_only.warnings[0];

    const Parsed flags =
        parse(style, {prefix + "artifacts=from-flag", prefix + "console=never", prefix + "pushgateway="});
    EXPECT_EQ(flags.options.artifacts_dir, "from-flag");
    EXPECT_EQ(flags.options.console, ConsoleMode::kNever);
    EXPECT_EQ(flags.options.pushgateway_url, "") << "an empty flag turns the variable's push off";
  }
  // No argv at all: the environment only.
  std::vector<std::string> warnings;
  EXPECT_EQ(parse_options(nullptr, nullptr, FlagStyle::kDash, &warnings).artifacts_dir, "from-env");
}

TEST_F(OptionsTest, ShardAndShuffleSeedComeFromTheEnvironment) {
  EXPECT_FALSE(parse(FlagStyle::kDash, {}).options.shard);
  EXPECT_FALSE(parse(FlagStyle::kDash, {}).options.shuffle_seed);
  const ScopedEnv shard("TESTSCOPE_SHARD", "2/5");
  const ScopedEnv seed("TESTSCOPE_SHUFFLE_SEED", "18446744073709551615");
  const Parsed p = parse(FlagStyle::kUnderscore, {});
  EXPECT_TRUE(p.warnings.empty());
  ASSERT_TRUE(p.options.shard);
  EXPECT_EQ(*p.options.shard, (Shard{2, 5}));
  EXPECT_EQ(p.options.shuffle_seed, std::optional<std::uint64_t>(18446744073709551615ULL));
}

TEST_F(OptionsTest, BadShardOrSeedValuesWarnWithTheVariableAndTheValueAndAreIgnored) {
  for (const char* bad : {"0/4", "5/4", "x", "1/4/2", " 1/4", "-1/4", "1/", "/4", "1/99999999999999999999"}) {
    const ScopedEnv shard("TESTSCOPE_SHARD", bad);
    const Parsed p = parse(FlagStyle::kDash, {});
    EXPECT_FALSE(p.options.shard) << bad;
    ASSERT_EQ(p.warnings.size(), 1U) << bad;
    EXPECT_EQ(p.warnings[0], "TESTSCOPE_SHARD: expected I/N with 1 <= I <= N <= 1000000, got '" +
                                 std::string(bad) + "'; ignored, every test runs");
  }
  for (const char* bad : {"-1", "+1", " 1", "1 ", "0x10", "1e3", "seven", "18446744073709551616"}) {
    const ScopedEnv seed("TESTSCOPE_SHUFFLE_SEED", bad);
    const Parsed p = parse(FlagStyle::kDash, {});
    EXPECT_FALSE(p.options.shuffle_seed) << bad;
    ASSERT_EQ(p.warnings.size(), 1U) << bad;
    EXPECT_EQ(p.warnings[0],
              "TESTSCOPE_SHUFFLE_SEED: expected a decimal number from 0 to 18446744073709551615, got '" +
                  std::string(bad) + "'; ignored, the tests run in their usual order");
  }
  // Empty means unset: a runner may clear a variable that way.
  const ScopedEnv shard("TESTSCOPE_SHARD", "");
  const ScopedEnv seed("TESTSCOPE_SHUFFLE_SEED", "");
  EXPECT_TRUE(parse(FlagStyle::kDash, {}).warnings.empty());
}

TEST_F(OptionsTest, ReadRunnerEnvironmentFillsOnlyWhatIsUnset) {
  const ScopedEnv shard("TESTSCOPE_SHARD", "1/3");
  const ScopedEnv seed("TESTSCOPE_SHUFFLE_SEED", "42");
  const ScopedEnv artifacts("TESTSCOPE_ARTIFACTS", "ignored-here");
  SessionOptions options;
  options.shard = Shard{2, 2};
  std::vector<std::string> warnings;
  read_runner_environment(options, &warnings);
  EXPECT_EQ(*options.shard, (Shard{2, 2})) << "the program's own value stays";
  EXPECT_EQ(options.shuffle_seed, std::optional<std::uint64_t>(42));
  EXPECT_EQ(options.artifacts_dir, "") << "only the runner's two variables";
  EXPECT_TRUE(warnings.empty());
}

TEST(ParseShard, AcceptsOnlyIOfN) {
  EXPECT_EQ(parse_shard("1/1"), (Shard{1, 1}));
  EXPECT_EQ(parse_shard("3/4"), (Shard{3, 4}));
  EXPECT_EQ(parse_shard("1000000/1000000"), (Shard{1000000, 1000000}));
  for (const char* bad : {"", "/", "0/1", "2/1", "1/1000001", "1/0", "a/b", "1/2 ", "01/2x"}) {
    EXPECT_FALSE(parse_shard(bad)) << bad;
  }
}

TEST(ParseShuffleSeed, AcceptsDecimalUint64) {
  EXPECT_EQ(parse_shuffle_seed("0"), std::optional<std::uint64_t>(0));
  EXPECT_EQ(parse_shuffle_seed("007"), std::optional<std::uint64_t>(7));
  EXPECT_EQ(parse_shuffle_seed("18446744073709551615"), std::optional<std::uint64_t>(UINT64_MAX));
  for (const char* bad : {"", "18446744073709551616", "99999999999999999999999", "-0", "1.5", "١"}) {
    EXPECT_FALSE(parse_shuffle_seed(bad)) << bad;
  }
}

}  // namespace
}  // namespace testscope
