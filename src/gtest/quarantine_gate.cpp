#include "gtest/quarantine_gate.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace testscope::gtest {
namespace {

namespace fs = std::filesystem;
namespace q = quarantine;

constexpr const char* kDefaultName = "testscope-quarantine.toml";

std::string describe(const q::Entry& e) {
  return "'" + e.test + "' (" + e.reason + "; owner " + e.owner + ")";
}

}  // namespace

QuarantineGate QuarantineGate::load(const std::string& file, const std::string& program,
                                    std::vector<std::string>& warnings) {
  QuarantineGate gate;
  gate.today_ = q::Date::today();
  fs::path path = file;
  if (path.empty()) {  // the current folder's (where `testscope quarantine` writes), else the program's
    std::error_code ec;
    path = kDefaultName;
    if (!fs::is_regular_file(path, ec)) path = fs::path(program).parent_path() / kDefaultName;
    if (program.empty() || !fs::is_regular_file(path, ec)) return gate;
  }
  q::LoadResult loaded = q::load_quarantine(path);
  if (loaded.missing) {
    warnings.push_back(path.string() + ": no such quarantine file; nothing is quarantined");
    return gate;
  }
  if (!loaded.ok()) {
    for (const q::Diagnostic& d : loaded.errors) warnings.push_back(d.to_string());
    warnings.push_back(path.string() + ": not applied (fix the errors above); nothing is quarantined");
    return gate;
  }
  gate.path_ = path.string();
  gate.file_ = std::move(loaded.file);
  return gate;
}

std::vector<std::string> QuarantineGate::apply_to_filter() {
  std::vector<std::string> lines;
  std::string negative;
  for (const q::Entry& e : file_.entries()) {
    const std::string where = path_ + ":" + std::to_string(e.line);
    if (e.expired(today_)) {
      lines.push_back("WARNING: quarantine of " + describe(e) + " EXPIRED on " + e.expires.to_string() +
                      " (" + where +
                      "): its failures count again; fix the test, or renew or remove the entry");
      continue;
    }
    if (e.mode == q::Mode::kSkip) {
      negative += (negative.empty() ? "" : ":") + e.test;
      lines.push_back("skipping quarantined " + describe(e) + " until " + e.expires.to_string() + " (" +
                      where + ")");
    }
  }
  if (!negative.empty()) {
    std::string filter = GTEST_FLAG_GET(filter);
    filter += filter.find('-') == std::string::npos ? "-" + negative : ":" + negative;
    GTEST_FLAG_SET(filter, filter);
  }
  return lines;
}

std::optional<QuarantineNote> QuarantineGate::note_for(const std::string& full_name) const {
  const q::Match match = file_.lookup(full_name, today_);
  if (match.entry == nullptr || match.entry->mode != q::Mode::kRun) return std::nullopt;
  const q::Entry& e = *match.entry;
  return QuarantineNote{e.test, e.reason, e.owner, e.expires.to_string(), path_, e.line};
}

}  // namespace testscope::gtest
