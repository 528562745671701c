// A user's Catch2 v2 test linked with testscope::catch2_main (no CATCH_CONFIG_* macro): its
// span is captured. Includes the front's public header, compiled as C++17 by a user.
#include "testscope/catch2.hpp"

#include <catch2/catch.hpp>

#include "testscope/span.hpp"

static_assert(__cplusplus == 201703L, "the consumer project must build as exactly C++17");

TEST_CASE("consumer catch2 span", "[consumer]") {
  testscope::Span span("consumer.catch2_work");
  span.set_attribute("framework", "catch2");
  CHECK(1 + 1 == 2);
}
