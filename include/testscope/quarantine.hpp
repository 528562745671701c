// The quarantine file: which tests are quarantined, how, by whom and until when.
//
// A quarantine file is TOML kept in the user's repository (`testscope-quarantine.toml` by
// default), one block per entry:
//
//   [[quarantine]]
//   test = "PromoTest.RacyApply"   # a GoogleTest full name, or a glob with * and ?
//   reason = "race between check and update, see #123"
//   owner = "alice"
//   added = 2026-11-20             # TOML local dates
//   expires = 2026-12-04           # applies up to 2026-12-03; expired from this day on
//   mode = "run"                   # run: runs, its failure does not fail the build | skip
//
// This header reads such a file (every problem reported with file:line:column, never a
// throw for bad content), answers "is test X quarantined today, by which entry, in which
// mode, or did its entry expire", and edits the file while keeping every other byte of it
// (comments, blank lines, key order) as it was. The format and rules: docs/quarantine.md.
//
//   namespace q = testscope::quarantine;
//   const q::LoadResult loaded = q::load_quarantine("testscope-quarantine.toml");
//   if (!loaded.ok()) { for (const auto& e : loaded.errors) std::cerr << e.to_string() << '\n'; }
//   const q::Match m = loaded.file.lookup("PromoTest.RacyApply", q::Date::today());
//   if (m.entry != nullptr && m.entry->mode == q::Mode::kSkip) { /* skip it */ }
//   if (m.expired != nullptr) { /* say loudly that its quarantine ended on m.expired->expires */ }
//
//   // Adding an entry from code (what `testscope quarantine add` does):
//   const q::EditLock lock(path);                 // lock.error() says why it is not held
//   q::LoadResult f = q::load_quarantine(path);  // a missing file is empty, f.missing set
//   const q::Date today = q::Date::today();
//   q::EditResult r = f.file.add({"Promo.Racy", "fails 13/200", "alice", today, today.plus_days(14)});
//   if (r.ok()) r = f.file.save(path);  // else r.error says why, and nothing is written
//
// Nothing here is global. Const member functions may be called from many threads at once;
// a QuarantineFile being edited must not be used from another thread meanwhile.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace testscope::quarantine {

// A calendar date without a time zone, as a TOML local date (proleptic Gregorian). Plain
// value; a default Date is 1970-01-01. Only valid dates are produced by parse(), today() and
// plus_days(); the other members assume a valid date.
struct Date {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31, valid for the month

  // "YYYY-MM-DD" (four-digit year 0000-9999, a day that exists); nullopt for anything else.
  static std::optional<Date> parse(std::string_view text);
  // Today's date in the local time zone.
  static Date today();
  // "YYYY-MM-DD".
  std::string to_string() const;
  // This date moved by `days` (negative: back).
  Date plus_days(int days) const;
  // Days from this date to `later`: positive when `later` is after it, negative before.
  int days_until(Date later) const;
  // False for a month or day that does not exist (2026-02-30) or a year outside 0..9999.
  bool valid() const;

  friend bool operator==(const Date& a, const Date& b) { return a.key() == b.key(); }
  friend bool operator!=(const Date& a, const Date& b) { return a.key() != b.key(); }
  friend bool operator<(const Date& a, const Date& b) { return a.key() < b.key(); }
  friend bool operator<=(const Date& a, const Date& b) { return a.key() <= b.key(); }
  friend bool operator>(const Date& a, const Date& b) { return a.key() > b.key(); }
  friend bool operator>=(const Date& a, const Date& b) { return a.key() >= b.key(); }

 private:
  std::tuple<int, int, int> key() const { return {year, month, day}; }
};

// What a quarantined test does: kRun runs it and reports its failure without failing the
// build; kSkip does not run it.
enum class Mode { kRun, kSkip };

// "run" or "skip".
std::string_view mode_name(Mode mode);
// The mode named "run" or "skip" (exactly); nullopt for anything else.
std::optional<Mode> parse_mode(std::string_view name);

// True when `pattern` matches all of `test_name`: `*` matches any run of characters
// (including none, and `.` and `/`), `?` exactly one byte, anything else itself
// (case-sensitive). Linear in practice, never exponential. Safe on any input.
bool glob_match(std::string_view pattern, std::string_view test_name);

// Why `pattern` cannot be a quarantine entry's `test`, or an empty string when it can: not
// empty, no whitespace or control characters, no `[`, `]` or `:` (no character classes, no
// --gtest_filter lists), and not one that matches every test ("*", "*.*").
std::string pattern_problem(std::string_view pattern);

// One [[quarantine]] entry. Plain data.
struct Entry {
  std::string test;  // a full test name ("Suite.Name", "Prefix/Suite.Name/0"), or a glob
  std::string reason;
  std::string owner;
  Date added;
  Date expires;  // the entry applies on days before this date, not on it or after
  Mode mode = Mode::kRun;
  int line = 0;  // the line of its [[quarantine]] header (1-based); 0 when not read from a file

  // True when `test` holds a wildcard (`*` or `?`).
  bool is_pattern() const;
  // True when `test` (a name or a glob) matches `test_name`.
  bool matches(std::string_view test_name) const { return glob_match(test, test_name); }
  // True when the entry no longer applies on `today` (today >= expires).
  bool expired(Date today) const { return today >= expires; }
};

// One problem in a quarantine file, at a position. Plain data.
struct Diagnostic {
  std::string file;  // the file name as given to parse/load
  int line = 0;      // 1-based; 0 when the problem concerns the whole file
  int column = 0;    // 1-based; 0 when unknown
  std::string message;

  // "file:line:column: message", leaving out the parts that are 0.
  std::string to_string() const;
};

// What applies to one test on one day. Both pointers point into the QuarantineFile that
// made the Match and are valid until it is edited or destroyed.
struct Match {
  // The entry that quarantines the test, or null. When several entries match, an entry
  // naming the test exactly wins over patterns, then patterns in file order; expired
  // entries never apply.
  const Entry* entry = nullptr;
  // Set only when `entry` is null but an expired entry matches the test (the exact one, else
  // the first pattern in file order): the test is no longer quarantined and should say so.
  const Entry* expired = nullptr;

  bool quarantined() const { return entry != nullptr; }
};

// The outcome of an edit: applied when `error` is empty, else nothing changed.
struct EditResult {
  std::string error;

  bool ok() const { return error.empty(); }
};

struct LoadResult;

// A quarantine file's entries and its exact text, for lookups and for edits that keep every
// other byte of the text. Made by parse_quarantine / load_quarantine; a default one is empty
// and unnamed. Copyable value; see the top of this header for thread-safety.
class QuarantineFile {
 public:
  // The file name given to parse/load, used in messages.
  const std::string& name() const { return name_; }
  // The text: as read, plus the edits made since.
  const std::string& text() const { return text_; }
  // The entries in file order.
  const std::vector<Entry>& entries() const { return entries_; }

  // What applies to `test_name` (a full name) on `today`; see Match.
  Match lookup(std::string_view test_name, Date today) const;
  // The entry whose `test` is exactly `test` (a name or a pattern as written), or null.
  // Valid until the next edit.
  const Entry* find(std::string_view test) const;

  // Appends `entry` (its `line` is ignored) as a new [[quarantine]] block at the end of the
  // text, after a blank line; an empty text first gets a short comment saying what the file
  // is. Refused (nothing changes) when the entry is invalid, as it would be in a file (bad
  // pattern, empty reason or owner, expires not after added, invalid date), or when an entry
  // for the same `test` exists.
  EditResult add(const Entry& entry);
  // Removes the entry whose `test` is exactly `test`: the lines from its [[quarantine]]
  // header to its last value, plus one blank line that separated it from the text before it
  // (else after it). Every other byte stays. Refused when there is no such entry.
  EditResult remove(std::string_view test);

  // Writes text() to `path` atomically: a temporary file beside it, renamed over it (the
  // old file's permissions are kept). Concurrent writers: the last rename wins.
  EditResult save(const std::filesystem::path& path) const;

 private:
  friend LoadResult parse_quarantine(std::string text, std::string file_name);

  // The lines an entry occupies in text_ (1-based, inclusive), parallel to entries_.
  struct Block {
    int first_line = 0;
    int last_line = 0;
  };

  std::string name_;
  std::string text_;
  std::vector<Entry> entries_;
  std::vector<Block> blocks_;
};

// The result of reading a quarantine file: valid when `errors` is empty; otherwise `file`
// holds nothing useful.
struct LoadResult {
  QuarantineFile file;
  std::vector<Diagnostic> errors;  // in the order of their position in the file
  bool missing = false;            // load_quarantine only: no such file (file is empty, no errors)

  bool ok() const { return errors.empty(); }
};

// Parses the text of a quarantine file named `file_name` (for messages). Every problem is
// collected (a TOML syntax error stops at the first, as the TOML parser does): not TOML,
// keys other than [[quarantine]] blocks, unknown or missing keys, wrong types, dates that are
// not TOML local dates, expires not after added, bad patterns, bad modes, the same test
// twice. An empty text (or only comments) is valid and has no entries. Never throws for bad
// content; std::bad_alloc may escape.
LoadResult parse_quarantine(std::string text, std::string file_name);

// Reads and parses the file at `path`, named by `path` as given in messages. A file that
// does not exist is `missing` and empty (nothing quarantined), not an error; one that cannot
// be read is an error.
LoadResult load_quarantine(const std::filesystem::path& path);

// Keeps other processes from editing the quarantine file at `path` while held: take it
// before load_quarantine() and hold it past save(), so that concurrent edits (`testscope
// quarantine add` in parallel CI jobs, `check --apply`) each see the entries of those before
// them; save()'s atomic rename alone keeps the file whole, not every edit. An exclusive
// flock(2) on the file's folder (the file itself is replaced by each save, so a lock on it
// would lock the old file); it waits for the holder, and the kernel releases it when its
// holder ends, however it ends. Movable, not copyable.
class EditLock {
 public:
  explicit EditLock(const std::filesystem::path& path);
  ~EditLock();
  EditLock(EditLock&& other) noexcept;
  EditLock& operator=(EditLock&&) = delete;
  EditLock(const EditLock&) = delete;
  EditLock& operator=(const EditLock&) = delete;

  // Empty when held; otherwise why not (a folder that does not exist or cannot be opened).
  const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

}  // namespace testscope::quarantine
