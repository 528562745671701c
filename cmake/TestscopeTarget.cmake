# testscope_library(NAME EXPORT_NAME SOURCES...): one component = one folder = one target.
# Public headers are C++17 (consumers need only that); our own sources build as C++20.
function(testscope_setup_target target)
  set_target_properties(${target} PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
  if(TESTSCOPE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${TESTSCOPE_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${TESTSCOPE_SANITIZE})
  endif()
endfunction()

function(testscope_library name export_name)
  add_library(${name} ${ARGN})
  add_library(testscope::${export_name} ALIAS ${name})
  if(export_name STREQUAL "testscope")
    set(output_name testscope)
  else()
    set(output_name testscope_${export_name})
  endif()
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${export_name} OUTPUT_NAME ${output_name}
                                           POSITION_INDEPENDENT_CODE ON)
  target_compile_features(${name} PUBLIC cxx_std_17)
  target_include_directories(${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  testscope_setup_target(${name})
  if(TESTSCOPE_SANITIZE)
    # Consumers linking a sanitized static library need the runtime too.
    target_link_options(${name} INTERFACE -fsanitize=${TESTSCOPE_SANITIZE})
  endif()
  if(TESTSCOPE_INSTALL)
    install(TARGETS ${name} EXPORT testscopeTargets
            ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
            LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
            RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  endif()
endfunction()
