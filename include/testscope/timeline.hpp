// testscope/timeline.hpp: a test's spans as text, for the console and plain CI logs.
//
//   testscope ▸ PromoRace.RacyApply  FAIL  3.92 ms  trace 4bf92f3577b34da6a3ce929d0e0e4736
//        start       dur  thread        span
//     +0.000ms   3.92 ms  promo_tests   PromoRace.RacyApply
//     +0.118ms   1.27 ms  user-u1       ├─ apply_promo  promo.code=SUMMER20 user.id=u1 ...
//
// Each line is a span or an event, in tree order (children by start time, across
// threads), with its thread, offset from the test start, duration and attributes.
#pragma once

#include <cstddef>
#include <string>

#include "testscope/capture.hpp"

namespace testscope {

struct TimelineOptions {
  bool color = false;           // ANSI colours (only for a terminal)
  std::size_t max_lines = 200;  // the rest is summarised in one line
  std::string artifacts_dir;    // shown in the header when not empty
};

// Formats the record's timeline; ends with a newline. Never throws (returns what it has).
std::string format_timeline(const TestRecord& record, const TimelineOptions& options = {});

}  // namespace testscope
