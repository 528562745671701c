#include "harness/quarantine_lookup.hpp"

#include <filesystem>

namespace testscope::harness {
namespace {

namespace fs = std::filesystem;
namespace q = quarantine;

constexpr const char* kDefaultName = "testscope-quarantine.toml";

std::string describe(const q::Entry& e) {
  return "'" + e.test + "' (" + e.reason + "; owner " + e.owner + ")";
}

}  // namespace

QuarantineLookup QuarantineLookup::load(const std::string& file, const std::string& program,
                                        std::vector<std::string>& warnings) {
  QuarantineLookup lookup;
  lookup.today_ = q::Date::today();
  fs::path path = file;
  if (path.empty()) {  // the current folder's (where `testscope quarantine` writes), else the program's
    std::error_code ec;
    path = kDefaultName;
    if (!fs::is_regular_file(path, ec)) path = fs::path(program).parent_path() / kDefaultName;
    if (program.empty() || !fs::is_regular_file(path, ec)) return lookup;
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
