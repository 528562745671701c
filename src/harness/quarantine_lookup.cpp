#include "harness/quarantine_lookup.hpp"

#include <filesystem>

#include "writers/terminal.hpp"

namespace testscope::harness {
namespace {

namespace fs = std::filesystem;
namespace q = quarantine;

constexpr const char* kDefaultName = "testscope-quarantine.toml";

// testscope-quarantine.toml in `folder` or the nearest folder above it, up to the repository's
// root (the first folder holding .git) or the file system's; "" if there is none.
fs::path find_upwards(fs::path folder) {
  std::error_code ec;
  for (; !folder.empty(); folder = folder.parent_path()) {
    if (fs::is_regular_file(folder / kDefaultName, ec)) return folder / kDefaultName;
    if (fs::exists(folder / ".git", ec) || folder == folder.parent_path()) break;
  }
  return {};
}

// The folder of the running program: argv[0]'s, else (a name found in PATH) /proc/self/exe's.
fs::path program_folder(const std::string& program) {
  std::error_code ec;
  if (fs::path(program).has_parent_path()) return fs::absolute(program, ec).parent_path();
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : self.parent_path();
}

// For stderr: the file's text with no escape sequences in it (detail::terminal_safe).
std::string describe(const q::Entry& e) {
  return detail::terminal_safe("'" + e.test + "' (" + e.reason + "; owner " + e.owner + ")");
}

}  // namespace

QuarantineLookup QuarantineLookup::load(const std::string& file, const std::string& program,
                                        std::vector<std::string>& warnings) {
  QuarantineLookup lookup;
  lookup.today_ = q::Date::today();
  fs::path path = file;
  if (path.empty()) {
    // The current folder's (where `testscope quarantine` writes) or the nearest above it, as
    // under ctest, which runs a test in its build folder below the repository's root; else the
    // program's folder's or the nearest above it (docs/quarantine.md, "Where the file is found").
    std::error_code ec;
    path = find_upwards(fs::current_path(ec));
    if (path.empty()) path = find_upwards(program_folder(program));
    if (path.empty()) return lookup;
  }
  q::LoadResult loaded = q::load_quarantine(path);
  if (loaded.missing) {
    warnings.push_back(path.string() + ": no such quarantine file; nothing is quarantined");
    return lookup;
  }
  if (!loaded.ok()) {
    for (const q::Diagnostic& d : loaded.errors) warnings.push_back(d.to_string());
    warnings.push_back(path.string() + ": not applied (fix the errors above); nothing is quarantined");
    return lookup;
  }
  lookup.path_ = path.string();
  lookup.file_ = std::move(loaded.file);
  return lookup;
}

std::vector<std::string> QuarantineLookup::announcements() const {
  std::vector<std::string> lines;
  for (const q::Entry& e : file_.entries()) {
    const std::string where = path_ + ":" + std::to_string(e.line);
    if (e.expired(today_)) {
      lines.push_back("WARNING: quarantine of " + describe(e) + " EXPIRED on " + e.expires.to_string() +
                      " (" + where +
                      "): its failures count again; fix the test, or renew or remove the entry");
    } else if (e.mode == q::Mode::kSkip) {
      lines.push_back("skipping quarantined " + describe(e) + " until " + e.expires.to_string() + " (" +
                      where + ")");
    }
  }
  return lines;
}

std::vector<std::string> QuarantineLookup::skip_patterns() const {
  std::vector<std::string> patterns;
  for (const q::Entry& e : file_.entries()) {
    if (!e.expired(today_) && e.mode == q::Mode::kSkip) patterns.push_back(e.test);
  }
  return patterns;
}

bool QuarantineLookup::is_skipped(std::string_view full_name) const {
  const q::Match match = file_.lookup(full_name, today_);
  return match.entry != nullptr && match.entry->mode == q::Mode::kSkip;
}

std::optional<QuarantineNote> QuarantineLookup::note_for(std::string_view full_name) const {
  const q::Match match = file_.lookup(full_name, today_);
  if (match.entry == nullptr || match.entry->mode != q::Mode::kRun) return std::nullopt;
  const q::Entry& e = *match.entry;
  return QuarantineNote{e.test, e.reason, e.owner, e.expires.to_string(), path_, e.line};
}

}  // namespace testscope::harness
