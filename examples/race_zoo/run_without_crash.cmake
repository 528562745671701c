# cmake -DPROGRAM=path -DFILTER=pattern -P run_without_crash.cmake
# Runs a GoogleTest program once with --gtest_filter=FILTER. Any exit status passes (racy
# tests may fail); a crash (the program killed by a signal) fails, naming the signal.
execute_process(COMMAND "${PROGRAM}" "--gtest_filter=${FILTER}" RESULT_VARIABLE status)
if(NOT status MATCHES "^[0-9]+$")
  message(FATAL_ERROR "${PROGRAM} --gtest_filter=${FILTER} crashed: ${status}")
endif()
message(STATUS "${PROGRAM} --gtest_filter=${FILTER} exited with ${status} (failures allowed, crashes not)")
