# leakscope_add_fuzz_target(NAME SOURCE LIBS... CORPUS dir [REPLAY_RUNS n])
# Every parser has a fuzz target with the libFuzzer entry point. With clang and -DLEAKSCOPE_FUZZ=ON it
# builds a real libFuzzer binary (the libraries it links are instrumented by leakscope_instrument_for_fuzzing)
# and registers a time-boxed fuzzing run as a CTest test (LEAKSCOPE_FUZZ_SECONDS, default 60; `make fuzz`
# runs longer); otherwise it links tests/fuzz/replay_driver.cpp, which replays the corpus plus a fixed
# number of deterministic mutations of it, and runs as a CTest test.
option(LEAKSCOPE_FUZZ "Build fuzz targets with -fsanitize=fuzzer (clang only)" OFF)
set(LEAKSCOPE_FUZZ_SECONDS 60 CACHE STRING "How long each fuzz target runs in its CTest test (LEAKSCOPE_FUZZ=ON)")
if(LEAKSCOPE_FUZZ AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "LEAKSCOPE_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
endif()
function(leakscope_add_fuzz_target name source)
  cmake_parse_arguments(F "" "CORPUS;REPLAY_RUNS" "LIBS" ${ARGN})
  if(LEAKSCOPE_FUZZ)
    add_executable(${name} ${source})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    # New inputs go to a scratch directory (listed first), never into the source tree's seed corpus. It
    # starts empty each run: what earlier runs found would otherwise be replayed first, and a slow target
    # (the pipeline: ~20 inputs/s) could spend the whole time box replaying it.
    set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
    add_test(NAME ${name}
             COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
                     sh -c "rm -rf '${work}' && mkdir -p '${work}' && exec \"$0\" \"$@\"" $<TARGET_FILE:${name}>
                     -max_total_time=${LEAKSCOPE_FUZZ_SECONDS} -timeout=20 -rss_limit_mb=2048
                     -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/${name}- ${work} ${F_CORPUS})
    math(EXPR limit "${LEAKSCOPE_FUZZ_SECONDS} + 120")
    set_tests_properties(${name} PROPERTIES TIMEOUT ${limit} LABELS fuzz)
  else()
    add_executable(${name} ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_driver.cpp)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_test(NAME ${name} COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
    if(F_REPLAY_RUNS)
      set_tests_properties(${name} PROPERTIES ENVIRONMENT LEAKSCOPE_FUZZ_RUNS=${F_REPLAY_RUNS})
    endif()
  endif()
endfunction()

# With LEAKSCOPE_FUZZ, the libraries a fuzz target exercises carry libFuzzer's coverage
# instrumentation and the sanitizers (the fuzz target itself links the runtime).
function(leakscope_instrument_for_fuzzing)
  if(NOT LEAKSCOPE_FUZZ)
    return()
  endif()
  foreach(target ${ARGN})
    if(TARGET ${target})
      target_compile_options(${target} PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
    endif()
  endforeach()
endfunction()
