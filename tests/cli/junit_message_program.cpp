// A GoogleTest program whose failure messages hold what JUnit XML must carry whole or
// cannot carry at all: several lines, characters XML 1.0 forbids (U+FFFE, U+FFFF, control
// characters), bytes that are not UTF-8, and characters it allows (accents, CJK, emoji).
// Run by junit_xml_test through `testscope run`, then `report --junit`.
#include <gtest/gtest.h>

namespace {

TEST(Junit, ForbiddenCharacters) {
  ADD_FAILURE() << "nonchar U+FFFE [\xEF\xBF\xBE] U+FFFF [\xEF\xBF\xBF] controls [\x01\x1B\x7F]"
                << " not UTF-8 [\xC3] surrogate [\xED\xA0\x80] kept [\xC3\xA9 \xE6\x97\xA5 \xF0\x9F\x98\x80]";
}

TEST(Junit, MultiLine) { EXPECT_EQ(1, 2) << "the detail is on the last line"; }

}  // namespace
