// test_id (a test's full name made safe for a file system) on hostile names, and the test
// folder ArtifactWriter names with it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "testscope/artifacts.hpp"

namespace testscope {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxIdBytes = 120;

// What "safe" means (testscope/artifacts.hpp): only [A-Za-z0-9._-], never "." or "..",
// no leading '.', not empty, at most 120 bytes.
::testing::AssertionResult is_safe_id(const std::string& id) {
  if (id.empty()) return ::testing::AssertionFailure() << "empty id";
  if (id.size() > kMaxIdBytes) return ::testing::AssertionFailure() << id.size() << " bytes: " << id;
  if (id == "." || id == "..") return ::testing::AssertionFailure() << "id is " << id;
  if (id.front() == '.') return ::testing::AssertionFailure() << "hidden (leading dot): " << id;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    if (!ok) {
      return ::testing::AssertionFailure()
             << "byte 0x" << std::hex << (static_cast<unsigned>(c) & 0xFFU) << " in " << id;
    }
  }
  return ::testing::AssertionSuccess();
}

// Test names a framework (or a hostile user) may produce.
std::vector<std::string> hostile_names() {
  std::vector<std::string> names = {
      "Suite.Case",
      "Instantiation/ParamSuite.Case/0",
      "Instantiation/ParamSuite.Case/1",
      "Instantiation/ParamSuite.Case/10",
      "TypedSuite/0.Case",
      "TypedSuite/1.Case",
      "a/b",
      "a_b",
      "a b",
      "a\\b",
      "a:b",
      "a*b",
      "a?b",
      "a\"b",
      "a<b>",
      "a|b",
      "a\tb",
      "a\nb",
      "a//b",
      "a__b",
      "/absolute/path",
      "../../etc/passwd",
      "..",
      ".",
      "...",
      ".hidden",
      "_hidden",
      "..Suite.Case",
      "./Suite.Case",
      "Suite.Case.",
      " Suite.Case",
      "Suite.Case ",
      "",
      " ",
      "/",
      "-",
      "_",
      "Тест.Юникод",
      "Тест.Юникод2",
      "测试.用例",
      "🚀.🔥",
      "🚀.🚀",
      "café.Crème",
      "cafe.Creme",
      std::string("nul\0byte", 8),
      std::string("nul\0bytf", 8),
      "\xff\xfe invalid utf8",
      "\xff\xfd invalid utf8",
      "Suite.Case-0123456789ab",
      std::string(1000, 'a'),
      std::string(1000, 'a') + "b",
      std::string(121, 'x'),
      std::string(120, 'x'),
      std::string(119, 'x') + "/",
      std::string(500, '/'),
      std::string(300, '.'),
  };
  std::string long_unicode;
  for (int i = 0; i < 300; ++i) long_unicode += "Ж";
  names.push_back(long_unicode);
  names.push_back(long_unicode + "Ж");
  return names;
}

TEST(TestId, SafeNamesAreKept) {
  EXPECT_EQ(test_id("Suite.Case"), "Suite.Case");
  EXPECT_EQ(test_id("PromoRace.RacyApplyAllowsExactlyOneUse"), "PromoRace.RacyApplyAllowsExactlyOneUse");
  EXPECT_EQ(test_id("a-b_c.d09"), "a-b_c.d09");
  EXPECT_EQ(test_id(std::string(120, 'x')), std::string(120, 'x'));
}

TEST(TestId, ChangedNamesKeepAReadablePrefixAndAHash) {
  const std::string id = test_id("Instantiation/ParamSuite.Case/0");
  EXPECT_EQ(id.rfind("Instantiation_ParamSuite.Case_0-", 0), 0U) << id;
  EXPECT_EQ(id.size(), std::string("Instantiation_ParamSuite.Case_0-").size() + 12) << id;
  EXPECT_EQ(test_id("Instantiation/ParamSuite.Case/0"), id) << "not deterministic";
}

TEST(TestId, EveryHostileNameGivesASafeId) {
  for (const std::string& name : hostile_names()) {
    SCOPED_TRACE("name: \"" + name.substr(0, 80) + "\" (" + std::to_string(name.size()) + " bytes)");
    std::string id;
    EXPECT_NO_THROW(id = test_id(name));
    EXPECT_TRUE(is_safe_id(id));
  }
}

TEST(TestId, HostileNamesGiveDistinctIds) {
  std::map<std::string, std::string> owner;  // id -> the name that produced it
  for (const std::string& name : hostile_names()) {
    const std::string id = test_id(name);
    auto [it, inserted] = owner.emplace(id, name);
    EXPECT_TRUE(inserted) << "\"" << name.substr(0, 80) << "\" and \"" << it->second.substr(0, 80)
                          << "\" share the id " << id;
  }
  EXPECT_GE(owner.size(), 50U);
}

TEST(TestId, NamesDifferingOnlyInReplacedCharacters) {
  const std::set<std::string> ids = {test_id("a/b"),  test_id("a_b"),  test_id("a b"), test_id("a\\b"),
                                     test_id("a//b"), test_id("a__b"), test_id("a/_b")};
  EXPECT_EQ(ids.size(), 7U);
  EXPECT_EQ(test_id("a_b"), "a_b");
}

TEST(TestId, VeryLongNames) {
  const std::string a1000(1000, 'a');
  const std::string id = test_id(a1000);
  EXPECT_LE(id.size(), kMaxIdBytes);
  EXPECT_EQ(id.rfind(std::string(100, 'a'), 0), 0U) << "the readable prefix is kept";
  EXPECT_NE(test_id(a1000), test_id(a1000 + "a"));
  EXPECT_NE(test_id(std::string(121, 'x')), test_id(std::string(122, 'x')));
}

TEST(TestId, EveryIdIsARealFolder) {
  const fs::path base = fs::temp_directory_path() / ("testscope_test_id_" + std::to_string(getpid()));
  fs::remove_all(base);
  ASSERT_TRUE(fs::create_directories(base));
  std::size_t created = 0;
  for (const std::string& name : hostile_names()) {
    const std::string id = test_id(name);
    const fs::path dir = base / id;
    SCOPED_TRACE(id);
    EXPECT_EQ(dir.parent_path(), base) << "the id escapes its parent";
    EXPECT_EQ(dir.filename().string(), id);
    std::error_code ec;
    EXPECT_TRUE(fs::create_directory(dir, ec)) << ec.message();
    std::ofstream(dir / "summary.json") << "{}";
    EXPECT_TRUE(fs::is_regular_file(dir / "summary.json"));
    if (!ec) ++created;
  }
  std::size_t listed = 0;
  for (const auto& entry : fs::directory_iterator(base)) {
    EXPECT_TRUE(entry.is_directory());
    ++listed;
  }
  EXPECT_EQ(listed, created);
  EXPECT_EQ(listed, hostile_names().size());
  fs::remove_all(base);
}

TEST(TestId, TestDirUsesTheId) {
  TestRecord record;
  record.test.suite = "../..";
  record.test.name = "etc/passwd";
  const ArtifactWriter writer("/some/root");
  const fs::path dir = writer.test_dir(record);
  EXPECT_EQ(dir.parent_path(), fs::path("/some/root/tests"));
  EXPECT_EQ(dir.filename().string(), test_id("../...etc/passwd"));
}

}  // namespace
}  // namespace testscope
