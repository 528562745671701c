// Editing a quarantine file on disk: add appends a block, remove deletes exactly one
// entry's lines, every other byte (comments, blank lines, odd spacing) stays; saving is
// atomic (src/quarantine/edit.cpp).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <testscope/quarantine.hpp>

#include <filesystem>
#include <string>

#include "quarantine_test_util.hpp"

namespace testscope::quarantine {
namespace {

namespace fs = std::filesystem;
using testing::slurp;
using testing::write;

// A hand-written file: comments everywhere, odd spacing, a multi-line string, no newline at the end.
constexpr const char* kHandWritten =
    "# Our quarantine.   Keep this comment!\n"
    "\n"
    "[[quarantine]]   # the first\n"
    "test    =   \"Promo.RacyApply\"\n"
    "# a comment inside the entry\n"
    "reason = 'race, see #123'\n"
    "owner = \"alice\"  # on call\n"
    "added = 2026-11-20\n"
    "expires = 2026-12-04\n"
    "\n"
    "# A comment above a header is not part of the entry.\n"
    "[[quarantine]]\n"
    "test = \"Db.*\"\n"
    "reason = \"\"\"slow\n"
    "and flaky\"\"\"\n"
    "owner = \"bob\"\n"
    "added = 2026-11-01\n"
    "expires = 2026-11-30\n"
    "mode = \"skip\"\n"
    "\n"
    "\n"
    "[[quarantine]]\n"
    "test = \"Cart.Total\"\n"
    "reason = \"r\"\n"
    "owner = \"carol\"\n"
    "added = 2026-11-02\n"
    "expires = 2026-11-09\n"
    "# trailing comment";

Entry new_entry(const std::string& test) {
  return Entry{test,
               "flaky \"quoted\" — ünïcode\nsecond line",
               "dave",
               Date{2026, 11, 20},
               Date{2026, 12, 4},
               Mode::kSkip,
               0};
}

class QuarantineEditTest : public testing::ScratchTest {
 protected:
  // Loads q.toml (asserting it is valid), applies `edit`, saves, and returns the file's new text.
  template <typename Edit>
  std::string edit_on_disk(const Edit& edit) {
    LoadResult loaded = load_quarantine(path("q.toml"));
    EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.errors.front().to_string());
    const EditResult done = edit(loaded.file);
    EXPECT_TRUE(done.ok()) << done.error;
    EXPECT_TRUE(loaded.file.save(path("q.toml")).ok());
    std::string text = slurp(path("q.toml"));
    EXPECT_EQ(text, loaded.file.text());
    const LoadResult again = load_quarantine(path("q.toml"));  // what was written parses back
    EXPECT_TRUE(again.ok()) << (again.ok() ? "" : again.errors.front().to_string()) << "\n" << text;
    return text;
  }
  std::vector<std::string> tests_on_disk() {
    std::vector<std::string> tests;
    const LoadResult loaded = load_quarantine(path("q.toml"));
    for (const Entry& e : loaded.file.entries()) tests.push_back(e.test);
    return tests;
  }
};

TEST_F(QuarantineEditTest, AddAppendsABlockAndKeepsEverythingBefore) {
  write(path("q.toml"), kHandWritten);
  const std::string text = edit_on_disk([](QuarantineFile& f) { return f.add(new_entry("New.Test")); });
  const std::string appended =
      "\n\n[[quarantine]]\n"
      "test = \"New.Test\"\n"
      "reason = \"flaky \\\"quoted\\\" — ünïcode\\nsecond line\"\n"
      "owner = \"dave\"\n"
      "added = 2026-11-20\n"
      "expires = 2026-12-04\n"
      "mode = \"skip\"\n";
  EXPECT_EQ(text, std::string(kHandWritten) + appended);
  const LoadResult loaded = load_quarantine(path("q.toml"));
  const Entry* added = loaded.file.find("New.Test");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ(added->reason, new_entry("").reason);  // escaped and read back unchanged
  EXPECT_EQ(added->line, 30);
  EXPECT_EQ(added->mode, Mode::kSkip);
}

TEST_F(QuarantineEditTest, AddThenRemoveGivesBackTheSameBytes) {
  const std::string original = std::string(kHandWritten) + "\n";
  write(path("q.toml"), original);
  edit_on_disk([](QuarantineFile& f) { return f.add(new_entry("New.*")); });
  EXPECT_EQ(tests_on_disk(), (std::vector<std::string>{"Promo.RacyApply", "Db.*", "Cart.Total", "New.*"}));
  EXPECT_EQ(edit_on_disk([](QuarantineFile& f) { return f.remove("New.*"); }), original);
}

TEST_F(QuarantineEditTest, RemoveDeletesExactlyOneEntrysLines) {
  write(path("q.toml"), kHandWritten);
  const std::string text = edit_on_disk([](QuarantineFile& f) { return f.remove("Db.*"); });
  std::string expected = kHandWritten;
  const std::string block =
      "[[quarantine]]\ntest = \"Db.*\"\nreason = \"\"\"slow\nand flaky\"\"\"\nowner = \"bob\"\n"
      "added = 2026-11-01\nexpires = 2026-11-30\nmode = \"skip\"\n\n";  // and the blank line after it
  expected.erase(expected.find(block), block.size());
  EXPECT_EQ(text, expected);
  EXPECT_NE(
      text.find(
          "# A comment above a header is not part of the entry.\n\n[[quarantine]]\ntest = \"Cart.Total\""),
      std::string::npos);
  EXPECT_EQ(tests_on_disk(), (std::vector<std::string>{"Promo.RacyApply", "Cart.Total"}));
}

TEST_F(QuarantineEditTest, RemoveTheFirstEntryWithItsInnerComments) {
  write(path("q.toml"), kHandWritten);
  const std::string text = edit_on_disk([](QuarantineFile& f) { return f.remove("Promo.RacyApply"); });
  std::string expected = kHandWritten;
  const std::size_t from = expected.find("\n[[quarantine]]   # the first");  // with the blank line before it
  const std::size_t to =
      expected.find("expires = 2026-12-04\n") + std::string("expires = 2026-12-04\n").size();
  expected.erase(from, to - from);
  EXPECT_EQ(text, expected);
  EXPECT_EQ(text.rfind("# Our quarantine.   Keep this comment!\n\n# A comment above a header", 0), 0U)
      << text;
}

TEST_F(QuarantineEditTest, RemoveTheLastEntryOfAFileWithoutFinalNewline) {
  write(path("q.toml"), kHandWritten);
  const std::string text = edit_on_disk([](QuarantineFile& f) { return f.remove("Cart.Total"); });
  std::string expected = kHandWritten;
  const std::size_t from = expected.find("\n[[quarantine]]\ntest = \"Cart.Total\"");
  const std::size_t to = expected.find("# trailing comment");
  expected.erase(from, to - from);
  EXPECT_EQ(text, expected);  // the comment after the last value stays
}

TEST_F(QuarantineEditTest, CrlfLineEndingsAreKept) {
  const std::string crlf =
      "# windows\r\n\r\n[[quarantine]]\r\ntest = \"A.B\"\r\nreason = \"r\"\r\nowner = \"o\"\r\n"
      "added = 2026-11-20\r\nexpires = 2026-12-04\r\n\r\n[[quarantine]]\r\ntest = \"C.D\"\r\nreason = "
      "\"r\"\r\n"
      "owner = \"o\"\r\nadded = 2026-11-20\r\nexpires = 2026-12-04\r\n";
  write(path("q.toml"), crlf);
  const std::string text = edit_on_disk([](QuarantineFile& f) { return f.remove("A.B"); });
  EXPECT_EQ(text,
            "# windows\r\n\r\n[[quarantine]]\r\ntest = \"C.D\"\r\nreason = \"r\"\r\n"
            "owner = \"o\"\r\nadded = 2026-11-20\r\nexpires = 2026-12-04\r\n");
}

TEST_F(QuarantineEditTest, RemovingEveryEntryLeavesTheComments) {
  write(path("q.toml"), kHandWritten);
  for (const char* test : {"Db.*", "Promo.RacyApply", "Cart.Total"}) {
    edit_on_disk([test](QuarantineFile& f) { return f.remove(test); });
  }
  EXPECT_EQ(slurp(path("q.toml")),
            "# Our quarantine.   Keep this comment!\n\n# A comment above a header is not part of the entry.\n"
            "# trailing comment");
  EXPECT_TRUE(tests_on_disk().empty());
}

TEST_F(QuarantineEditTest, ANewFileStartsWithAShortExplanation) {
  LoadResult loaded = load_quarantine(path("q.toml"));
  ASSERT_TRUE(loaded.missing);
  ASSERT_TRUE(loaded.file.add(new_entry("A.B")).ok());
  ASSERT_TRUE(loaded.file.save(path("q.toml")).ok());
  const std::string text = slurp(path("q.toml"));
  EXPECT_EQ(text.rfind("# Quarantined tests (testscope).", 0), 0U) << text;
  EXPECT_NE(text.find("\n\n[[quarantine]]\ntest = \"A.B\"\n"), std::string::npos);
  EXPECT_EQ(tests_on_disk(), (std::vector<std::string>{"A.B"}));
}

TEST_F(QuarantineEditTest, TextThatToml33MishandlesIsWrittenSoItReadsBack) {
  write(path("q.toml"), "# § in a comment makes the parser shield the whole text\n");
  Entry e = new_entry("Ѣ.Test");
  e.reason = "\xD4\xB0 and é";  // U+0530 (a stand-in of the parser) beside a shielded é
  edit_on_disk([&e](QuarantineFile& f) { return f.add(e); });
  EXPECT_NE(slurp(path("q.toml")).find("reason = \"\\u0530 and \\u00E9\""), std::string::npos);
  const LoadResult loaded = load_quarantine(path("q.toml"));
  ASSERT_EQ(loaded.file.entries().size(), 1U);
  EXPECT_EQ(loaded.file.entries()[0].reason, e.reason);
  EXPECT_EQ(loaded.file.entries()[0].test, "Ѣ.Test");
}

TEST_F(QuarantineEditTest, RefusedEditsChangeNothing) {
  write(path("q.toml"), kHandWritten);
  LoadResult loaded = load_quarantine(path("q.toml"));
  QuarantineFile& f = loaded.file;
  EXPECT_NE(f.add(new_entry("Db.*")).error.find("already has an entry (expires 2026-11-30)"),
            std::string::npos);
  EXPECT_NE(f.add(new_entry("*")).error.find("matches every test"), std::string::npos);
  Entry no_reason = new_entry("X.Y");
  no_reason.reason = " ";
  EXPECT_EQ(f.add(no_reason).error, "the reason must not be empty");
  Entry no_owner = new_entry("X.Y");
  no_owner.owner.clear();
  EXPECT_EQ(f.add(no_owner).error, "the owner must not be empty");
  Entry backwards = new_entry("X.Y");
  backwards.expires = backwards.added;
  EXPECT_EQ(f.add(backwards).error, "the expiry (2026-11-20) must be after the date added (2026-11-20)");
  Entry bad_date = new_entry("X.Y");
  bad_date.expires = Date{2026, 2, 30};
  EXPECT_NE(f.add(bad_date).error, "");
  Entry not_utf8 = new_entry("X.Y");
  not_utf8.reason = "\xff\xfe";
  EXPECT_NE(f.add(not_utf8).error.find("cannot add 'X.Y'"), std::string::npos);
  EXPECT_EQ(f.remove("Nope.Test").error, path("q.toml").string() + ": no entry for 'Nope.Test'");
  EXPECT_EQ(f.remove("Db.Slow").error.find("no entry"),
            path("q.toml").string().size() + 2);  // no glob removal
  EXPECT_EQ(f.text(), kHandWritten);
  EXPECT_EQ(f.entries().size(), 3U);
}

TEST_F(QuarantineEditTest, SaveReplacesAtomicallyAndKeepsPermissions) {
  write(path("q.toml"), kHandWritten);
  ASSERT_EQ(chmod(path("q.toml").c_str(), 0640), 0);
  edit_on_disk([](QuarantineFile& f) { return f.remove("Db.*"); });
  struct stat after {};
  ASSERT_EQ(stat(path("q.toml").c_str(), &after), 0);
  EXPECT_EQ(after.st_mode & 0777, 0640U);
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(path(""))) ++files;
  EXPECT_EQ(files, 1);  // no temporary file left behind
}

TEST_F(QuarantineEditTest, SaveThroughASymlinkEditsItsTarget) {
  write(path("real.toml"), kHandWritten);
  fs::create_symlink(path("real.toml"), path("q.toml"));
  edit_on_disk([](QuarantineFile& f) { return f.remove("Db.*"); });
  EXPECT_TRUE(fs::is_symlink(path("q.toml")));
  EXPECT_EQ(slurp(path("real.toml")).find("Db.*"), std::string::npos);
}

TEST_F(QuarantineEditTest, SaveIntoAMissingFolderFails) {
  const QuarantineFile empty;
  const EditResult r = empty.save(path("no/such/q.toml"));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("cannot write"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace testscope::quarantine
