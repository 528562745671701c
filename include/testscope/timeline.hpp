// testscope/timeline.hpp: a test's spans, logs and metrics as text, for the console and
// plain CI logs.
//
//   testscope ▸ PromoRace.RacyApply  FAIL  3.92 ms  trace 4bf92f3577b34da6a3ce929d0e0e4736
//        start       dur  thread        span
//     +0.000ms   3.92 ms  promo_tests   PromoRace.RacyApply
//     +0.118ms   1.27 ms  user-u1       ├─ apply_promo  promo.code=SUMMER20 user.id=u1 ...
//     +0.300ms            user-u1       │  ├─ ≡ promo_check  code=SUMMER20  user=u1  uses=0  max=1
//   ...
//   metrics:
//     promo_uses_total{promo_code="SUMMER20",status="ok"}  +2
//   9 spans, 3 threads, 0 unfinished, 0 dropped records
//
// Each line is a span, an event (•), a log event (≡, with its severity unless INFO) or
// an assertion failure (✗), in tree order (children by start time, across threads), with
// its thread, offset from the test start, duration and attributes. A log event sits under
// the span that was current on its thread when it was logged. After the tree come the
// test's metric changes (counter and histogram increases, gauge values at the end), one
// aligned line per series, in Prometheus' `name{label="value"}` form; last, a line of counts.
#pragma once

#include <cstddef>
#include <string>

#include "testscope/capture.hpp"

namespace testscope {

// How format_timeline() lays the text out. A plain value type.
struct TimelineOptions {
  bool color = false;           // ANSI colours (only for a terminal)
  std::size_t max_lines = 200;  // the rest is summarised in one line
  std::string artifacts_dir;    // shown in the header when not empty
  std::string metrics_filter;   // only metrics whose name starts with this; empty: all
};

// Formats the record's timeline; ends with a newline. Never throws (returns what it has).
std::string format_timeline(const TestRecord& record, const TimelineOptions& options = {});

}  // namespace testscope
