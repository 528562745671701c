# The asyncio race zoo: races between tasks on one event loop, each written as a racy test
# and its correct twin, instrumented only with OpenTelemetry spans at the critical
# operations (as a user would). ground_truth.json says, per pattern, which ordering of which
# two operations makes the racy test fail. Measured by `scripts/race-zoo --zoo asyncio` and
# `scripts/explain-zoo --zoo asyncio`; results in docs/race-zoo.md.
#
# Each I/O step runs on a worker thread (asyncio.to_thread), as a database driver or a file
# write would, and takes a fraction of a millisecond; the second actor arrives a millisecond
# or two after the first. So the race needs a task to be resumed late: rare when nothing
# else runs, common under load or under `testscope run --provoke`.
