# run_consumer.cmake: proves a user's project can consume testscope, both ways.
#
#   cmake -DTESTSCOPE_SOURCE_DIR=<checkout> -DTESTSCOPE_BUILD_DIR=<built tree>
#         -DSCRATCH_DIR=<empty or reused folder> [-DVARIANT=find_package|add_subdirectory|all]
#         -P run_consumer.cmake
#
# find_package:     installs the built tree to <scratch>/prefix, then configures, builds and
#                   runs tests/consumer/project against it (CMAKE_PREFIX_PATH=<scratch>/prefix).
# add_subdirectory: configures, builds and runs tests/consumer/subdir, which adds the
#                   checkout with add_subdirectory; testscope's tests, examples,
#                   benchmarks and install rules must stay off without being asked.
# Each run executes consumer_test with --testscope_artifacts=<scratch>/<variant>/artifacts
# and checks it exits 0 and writes run.json and tests/*/summary.json with the spans.
#
# The compiler, build type, flags, prefix path and sanitizer are read from the built
# tree's CMakeCache.txt, so the consumer is built exactly as testscope was. The generator
# is Ninja. Every step that fails stops the script with a message naming the step.
cmake_minimum_required(VERSION 3.20)

foreach(var TESTSCOPE_SOURCE_DIR TESTSCOPE_BUILD_DIR SCRATCH_DIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: pass -D${var}=<dir> (see the comment at the top of the script)")
  endif()
  get_filename_component(${var} "${${var}}" ABSOLUTE)
endforeach()
if(NOT DEFINED VARIANT)
  set(VARIANT all)
endif()
if(NOT VARIANT MATCHES "^(find_package|add_subdirectory|all)$")
  message(FATAL_ERROR "run_consumer.cmake: VARIANT must be find_package, add_subdirectory or all, got '${VARIANT}'")
endif()
if(NOT EXISTS "${TESTSCOPE_BUILD_DIR}/CMakeCache.txt")
  message(FATAL_ERROR "run_consumer.cmake: ${TESTSCOPE_BUILD_DIR} is not a configured testscope build tree")
endif()
# Scratch trees must never land in the source tree.
string(FIND "${SCRATCH_DIR}/" "${TESTSCOPE_SOURCE_DIR}/" in_source)
string(FIND "${SCRATCH_DIR}/" "${TESTSCOPE_BUILD_DIR}/" in_build)
if(in_source EQUAL 0 AND NOT in_build EQUAL 0)
  message(FATAL_ERROR "run_consumer.cmake: SCRATCH_DIR ${SCRATCH_DIR} is inside the source tree; use a folder in the build tree")
endif()

set(consumer_dir "${CMAKE_CURRENT_LIST_DIR}")

# --- How testscope was built -------------------------------------------------------------
load_cache("${TESTSCOPE_BUILD_DIR}" READ_WITH_PREFIX parent_
  CMAKE_CXX_COMPILER CMAKE_BUILD_TYPE CMAKE_CXX_FLAGS CMAKE_EXE_LINKER_FLAGS CMAKE_PREFIX_PATH
  CMAKE_GENERATOR CMAKE_MAKE_PROGRAM TESTSCOPE_SANITIZE TESTSCOPE_INSTALL)
if(parent_CMAKE_GENERATOR MATCHES "Ninja" AND EXISTS "${parent_CMAKE_MAKE_PROGRAM}")
  set(ninja "${parent_CMAKE_MAKE_PROGRAM}")
else()
  find_program(ninja NAMES ninja ninja-build)
  if(NOT ninja)
    message(FATAL_ERROR "run_consumer.cmake: the consumer projects are built with Ninja, and no ninja was found")
  endif()
endif()
set(common_args
  -G Ninja
  "-DCMAKE_MAKE_PROGRAM=${ninja}"
  "-DCMAKE_CXX_COMPILER=${parent_CMAKE_CXX_COMPILER}"
  "-DCMAKE_BUILD_TYPE=${parent_CMAKE_BUILD_TYPE}"
  "-DCMAKE_CXX_FLAGS=${parent_CMAKE_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${parent_CMAKE_EXE_LINKER_FLAGS}"
  # Only what this script names may be found: not a package registry entry for the
  # build tree, nor an older testscope installed on the machine.
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

# --- Helpers ------------------------------------------------------------------------------
function(fail step text)
  message(FATAL_ERROR "\nCONSUMER TEST FAILED [${current_variant}: ${step}]\n  ${text}\n")
endfunction()

# run(STEP <name> COMMAND <args>...): runs a command with its output shown; fails loudly.
function(run)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "STEP;WORKING_DIRECTORY" "COMMAND")
  if(NOT arg_WORKING_DIRECTORY)
    set(arg_WORKING_DIRECTORY "${SCRATCH_DIR}")
  endif()
  message(STATUS "[${current_variant}] ${arg_STEP}")
  string(TIMESTAMP started "%s" UTC)
  execute_process(COMMAND ${arg_COMMAND} WORKING_DIRECTORY "${arg_WORKING_DIRECTORY}"
                  COMMAND_ECHO STDOUT RESULT_VARIABLE rc)
  string(TIMESTAMP finished "%s" UTC)
  math(EXPR seconds "${finished} - ${started}")
  if(NOT rc STREQUAL "0")
    list(JOIN arg_COMMAND " " shown)
    fail("${arg_STEP}" "command exited with '${rc}' after ${seconds} s:\n    ${shown}")
  endif()
  message(STATUS "[${current_variant}] ${arg_STEP}: ok (${seconds} s)")
endfunction()

function(require_file step path)
  if(NOT EXISTS "${path}")
    fail("${step}" "expected file is missing: ${path}")
  endif()
endfunction()

# json_get(<out> <step> <json> <path>...): a member of a JSON document, or a failure.
function(json_get out step json)
  string(JSON value ERROR_VARIABLE error GET "${json}" ${ARGN})
  if(error)
    fail("${step}" "${ARGN}: ${error}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

# Runs consumer_test from <build> and checks the artifact tree it writes.
function(run_and_check_artifacts variant_dir)
  set(artifacts "${variant_dir}/artifacts")
  file(REMOVE_RECURSE "${artifacts}")
  set(program "${variant_dir}/build/consumer_test")
  require_file("build" "${program}")
  run(STEP "run consumer_test" COMMAND "${program}" "--testscope_artifacts=${artifacts}" --testscope_console=never)

  set(step "check artifacts")
  require_file("${step}" "${artifacts}/run.json")
  file(READ "${artifacts}/run.json" run_json)
  json_get(exit_status "${step}" "${run_json}" exit_status)
  json_get(tests_run "${step}" "${run_json}" tests run)
  json_get(tests_failed "${step}" "${run_json}" tests failed)
  if(NOT exit_status STREQUAL "0" OR NOT tests_run STREQUAL "2" OR NOT tests_failed STREQUAL "0")
    fail("${step}" "run.json says exit_status=${exit_status}, tests.run=${tests_run}, tests.failed=${tests_failed}; expected 0, 2, 0")
  endif()

  file(GLOB summaries "${artifacts}/tests/*/summary.json")
  list(LENGTH summaries count)
  if(NOT count EQUAL 2)
    fail("${step}" "expected 2 files ${artifacts}/tests/*/summary.json, found ${count}: ${summaries}")
  endif()
  set(test_dir "${artifacts}/tests/ConsumerTest.SpanWithChildOnAnotherThread")
  require_file("${step}" "${test_dir}/summary.json")
  file(READ "${test_dir}/summary.json" summary)
  json_get(outcome "${step}" "${summary}" outcome)
  json_get(spans "${step}" "${summary}" counts spans)
  json_get(threads "${step}" "${summary}" counts threads)
  # The root span of the test, consumer.checkout and consumer.charge, on two threads.
  if(NOT outcome STREQUAL "pass" OR spans LESS 3 OR threads LESS 2)
    fail("${step}" "${test_dir}/summary.json: outcome=${outcome}, counts.spans=${spans}, counts.threads=${threads}; expected pass, >= 3, >= 2")
  endif()
  require_file("${step}" "${test_dir}/trace.otlp.json")
  file(READ "${test_dir}/trace.otlp.json" otlp)
  foreach(expected consumer.checkout consumer.charge user.id alice payment.method)
    string(FIND "${otlp}" "\"${expected}\"" found)
    if(found EQUAL -1)
      fail("${step}" "${test_dir}/trace.otlp.json does not mention \"${expected}\"")
    endif()
  endforeach()
  message(STATUS "[${current_variant}] check artifacts: ok (run.json, 2 summaries, ${spans} spans on ${threads} threads)")

  # The Catch2 and doctest fronts: one passing test each, its span in its trace.
  foreach(framework catch2 doctest)
    set(step "run consumer_${framework}")
    set(framework_artifacts "${variant_dir}/artifacts-${framework}")
    file(REMOVE_RECURSE "${framework_artifacts}")
    require_file("build" "${variant_dir}/build/consumer_${framework}")
    run(STEP "${step}" COMMAND "${CMAKE_COMMAND}" -E env "TESTSCOPE_ARTIFACTS=${framework_artifacts}"
        TESTSCOPE_CONSOLE=never "${variant_dir}/build/consumer_${framework}")
    require_file("${step}" "${framework_artifacts}/run.json")
    file(GLOB traces "${framework_artifacts}/tests/*/trace.otlp.json")
    list(LENGTH traces count)
    if(NOT count EQUAL 1)
      fail("${step}" "expected 1 file ${framework_artifacts}/tests/*/trace.otlp.json, found ${count}")
    endif()
    file(READ "${traces}" otlp)
    string(FIND "${otlp}" "\"consumer.${framework}_work\"" found)
    if(found EQUAL -1)
      fail("${step}" "${traces} does not hold the span consumer.${framework}_work")
    endif()
    message(STATUS "[${current_variant}] ${step}: ok (its span in ${traces})")
  endforeach()
endfunction()

# --- find_package against the installed tree ------------------------------------------
function(check_find_package)
  set(current_variant find_package)
  set(dir "${SCRATCH_DIR}/find_package")
  set(prefix "${dir}/prefix")
  if(NOT parent_TESTSCOPE_INSTALL)
    fail("install" "${TESTSCOPE_BUILD_DIR} was configured with TESTSCOPE_INSTALL=OFF; nothing to install")
  endif()
  # A fresh prefix and consumer build each time, so nothing stale is found.
  file(REMOVE_RECURSE "${prefix}" "${dir}/build")
  file(MAKE_DIRECTORY "${dir}")

  run(STEP "install" COMMAND "${CMAKE_COMMAND}" --install "${TESTSCOPE_BUILD_DIR}" --prefix "${prefix}")
  file(GLOB_RECURSE configs "${prefix}/*/testscopeConfig.cmake")
  if(NOT configs)
    fail("install" "no testscopeConfig.cmake under ${prefix}")
  endif()
  require_file("install" "${prefix}/include/testscope/span.hpp")
  require_file("install" "${prefix}/include/testscope/detail/recorder_hooks.hpp")

  set(prefix_path "${prefix}" ${parent_CMAKE_PREFIX_PATH})
  run(STEP "configure" COMMAND "${CMAKE_COMMAND}" -S "${consumer_dir}/project" -B "${dir}/build" ${common_args}
                               "-DCMAKE_PREFIX_PATH=${prefix_path}")
  load_cache("${dir}/build" READ_WITH_PREFIX consumer_ testscope_DIR)
  string(FIND "${consumer_testscope_DIR}" "${prefix}/" at)
  if(NOT at EQUAL 0)
    fail("configure" "find_package(testscope) used '${consumer_testscope_DIR}', not the package installed in ${prefix}")
  endif()
  run(STEP "build" COMMAND "${CMAKE_COMMAND}" --build "${dir}/build")
  run_and_check_artifacts("${dir}")
endfunction()

# --- add_subdirectory of the checkout -------------------------------------------------
function(check_add_subdirectory)
  set(current_variant add_subdirectory)
  set(dir "${SCRATCH_DIR}/add_subdirectory")
  # A fresh cache each time (as cmake --fresh), but the objects are kept: rebuilding
  # testscope from nothing on every run would cost minutes for no extra proof.
  file(REMOVE "${dir}/build/CMakeCache.txt")
  file(MAKE_DIRECTORY "${dir}")
  set(sanitize_arg "")
  if(parent_TESTSCOPE_SANITIZE)
    set(sanitize_arg "-DTESTSCOPE_SANITIZE=${parent_TESTSCOPE_SANITIZE}")
  endif()

  run(STEP "configure" COMMAND "${CMAKE_COMMAND}" -S "${consumer_dir}/subdir" -B "${dir}/build" ${common_args}
                               "-DTESTSCOPE_SOURCE_DIR=${TESTSCOPE_SOURCE_DIR}" ${sanitize_arg}
                               "-DCMAKE_PREFIX_PATH=${parent_CMAKE_PREFIX_PATH}")
  # Not top-level: the options default to OFF, and nothing but the libraries is added.
  set(options TESTSCOPE_BUILD_TESTS TESTSCOPE_BUILD_EXAMPLES TESTSCOPE_BUILD_BENCHMARKS TESTSCOPE_INSTALL)
  load_cache("${dir}/build" READ_WITH_PREFIX sub_ ${options})
  foreach(option IN LISTS options)
    if(NOT DEFINED sub_${option} OR sub_${option})
      fail("configure" "${option} is '${sub_${option}}' when testscope is added with add_subdirectory; expected OFF")
    endif()
  endforeach()
  file(READ "${dir}/build/build.ninja" ninja_rules)
  foreach(folder tests examples bench)
    string(FIND "${ninja_rules}" "testscope/${folder}/" found)
    if(NOT found EQUAL -1)
      fail("configure" "testscope's ${folder}/ is part of the consumer's build; it must be off when not top-level")
    endif()
  endforeach()
  file(GLOB_RECURSE install_scripts "${dir}/build/testscope/*cmake_install.cmake")
  foreach(script IN LISTS install_scripts)
    file(STRINGS "${script}" rules REGEX "file\\(INSTALL")
    if(rules)
      fail("configure" "${script} installs files; testscope must add no install rules when not top-level")
    endif()
  endforeach()

  run(STEP "build" COMMAND "${CMAKE_COMMAND}" --build "${dir}/build")
  run_and_check_artifacts("${dir}")
endfunction()

if(VARIANT STREQUAL "find_package" OR VARIANT STREQUAL "all")
  check_find_package()
endif()
if(VARIANT STREQUAL "add_subdirectory" OR VARIANT STREQUAL "all")
  check_add_subdirectory()
endif()
message(STATUS "consumer (${VARIANT}): all checks passed")
