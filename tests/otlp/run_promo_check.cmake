# Runs the promo example with artifacts on, then checks its artifact tree strictly.
#   cmake -DPROMO=<promo_tests> -DOUT=<dir> -DPYTHON=<python> -DCHECK=<otlp_check.py> -P run_promo_check.cmake
# promo_tests exits 1 when its racy test fails (it does now and then, by design); that is
# fine. Any other exit (a crash, a signal) or an incomplete or invalid tree fails the test.
foreach(var PROMO OUT PYTHON CHECK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_promo_check.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE "${OUT}")
execute_process(
  COMMAND "${PROMO}" "--testscope_artifacts=${OUT}" --testscope_console=never
  RESULT_VARIABLE promo_status
  OUTPUT_VARIABLE promo_output
  ERROR_VARIABLE promo_output)
if(NOT promo_status STREQUAL "0" AND NOT promo_status STREQUAL "1")
  message(FATAL_ERROR "promo_tests ended with '${promo_status}' (expected 0 or 1):\n${promo_output}")
endif()
message(STATUS "promo_tests exited ${promo_status}")

execute_process(
  COMMAND "${PYTHON}" "${CHECK}" --tree "${OUT}"
  RESULT_VARIABLE check_status)
if(NOT check_status STREQUAL "0")
  message(FATAL_ERROR "otlp_check.py rejected the artifact tree ${OUT} (exit ${check_status})")
endif()
