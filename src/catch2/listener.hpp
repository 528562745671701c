// Internal to the Catch2 front: the listener that turns Catch2's events into a TestSession, and
// how a Catch2 test case is named for testscope. Needs CATCH_CONFIG_EXTERNAL_INTERFACES (set for
// this target) so that catch.hpp declares its reporter interfaces.
#pragma once

#include <catch2/catch.hpp>

#include <memory>

#include "testscope/harness.hpp"

namespace testscope::catch2::detail {

// Catch2's test case as testscope's test: suite = the TEST_CASE_METHOD class, or the stem of the
// file that declares the test case; name = the test case's name.
TestInfo describe(const Catch::TestCaseInfo& info);

// Registers testscope's listener with Catch2 (once; later calls do nothing) and points it at
// `session` (null: it does nothing). Catch2 creates the listener when Session::run() starts.
void install_listener(std::shared_ptr<TestSession> session);

}  // namespace testscope::catch2::detail
