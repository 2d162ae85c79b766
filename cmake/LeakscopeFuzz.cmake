# leakscope_add_fuzz_target(NAME SOURCE LIBS... CORPUS dir)
# Every parser has a fuzz target with the libFuzzer entry point. With clang and -DLEAKSCOPE_FUZZ=ON it
# builds a real libFuzzer binary; otherwise it links tests/fuzz/replay_driver.cpp, which replays the
# corpus plus a fixed number of deterministic mutations of it, and runs as a CTest test.
option(LEAKSCOPE_FUZZ "Build fuzz targets with -fsanitize=fuzzer (clang only)" OFF)
function(leakscope_add_fuzz_target name source)
  cmake_parse_arguments(F "" "CORPUS" "LIBS" ${ARGN})
  if(LEAKSCOPE_FUZZ)
    add_executable(${name} ${source})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
  else()
    add_executable(${name} ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_driver.cpp)
    target_link_libraries(${name} PRIVATE ${F_LIBS})
    add_test(NAME ${name} COMMAND ${name} ${F_CORPUS})
    set_tests_properties(${name} PROPERTIES TIMEOUT 300)
  endif()
endfunction()
