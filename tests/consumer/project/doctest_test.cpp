// A user's doctest test linked with testscope::doctest_main (no DOCTEST_CONFIG_IMPLEMENT*):
// its span is captured. Includes the front's public header, compiled as C++17 by a user.
#include "testscope/doctest.hpp"

#include <doctest/doctest.h>

#include "testscope/span.hpp"

static_assert(__cplusplus == 201703L, "the consumer project must build as exactly C++17");

TEST_CASE("consumer doctest span") {
  testscope::Span span("consumer.doctest_work");
  span.set_attribute("framework", "doctest");
  CHECK(1 + 1 == 2);
}
