// libFuzzer target for the quarantine file parser and its edits (scripts/fuzz runs it).
// Any input must give entries or errors, never a crash, a hang or a sanitizer report; and a
// valid file must stay valid through the edits the command makes: removing each entry (one
// entry fewer) and adding it back. tests/quarantine/quarantine_regressions_test.cpp replays
// every input in tests/quarantine/regressions/ through this same function.
#include <testscope/quarantine.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

namespace q = testscope::quarantine;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "quarantine_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point, by its required name
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as chars, libFuzzer's signature
  const std::string text(reinterpret_cast<const char*>(data), size);
  const q::LoadResult parsed = q::parse_quarantine(text, "fuzz.toml");
  if (!parsed.ok()) {
    for (const q::Diagnostic& d : parsed.errors) {
      check(d.line >= 0 && d.column >= 0 && !d.message.empty(), "a diagnostic has a position and a message");
      check(!d.to_string().empty(), "a diagnostic formats");
    }
    check(parsed.file.entries().empty(), "an invalid file has no entries");
    return 0;
  }
  const q::QuarantineFile& file = parsed.file;
  check(file.text() == text, "the text is kept as read");
  for (const q::Entry& e : file.entries()) {
    check(e.expires > e.added && q::pattern_problem(e.test).empty(), "entries are valid");
    const q::Match m = file.lookup(e.test, e.added);  // its own name, on the day it was added
    check(m.quarantined() || e.is_pattern(), "an exact entry quarantines its test");
    q::QuarantineFile edited = file;
    check(edited.remove(e.test).ok(), "every entry of a valid file can be removed");
    check(edited.entries().size() + 1 == file.entries().size(), "remove takes exactly one entry");
    check(edited.find(e.test) == nullptr, "the removed entry is gone");
    check(edited.text().size() < file.text().size(), "remove shortens the text");
    const q::EditResult added = edited.add(e);
    check(added.ok(), "a removed entry can be added back");
    const q::Entry* back = edited.find(e.test);
    check(back != nullptr && back->reason == e.reason && back->owner == e.owner && back->added == e.added &&
              back->expires == e.expires && back->mode == e.mode,
          "an added entry reads back unchanged");
  }
  return 0;
}
