# Installs libleakscope into a fresh prefix and builds tests/api/consumer/ against it three ways.
# Run by CTest as: cmake -DBUILD_DIR=... -DCONSUMER_DIR=... -DWORK_DIR=... -DCXX=... -P consumer_test.cmake
foreach(required BUILD_DIR CONSUMER_DIR WORK_DIR CXX)
  if(NOT DEFINED ${required})
    message(FATAL_ERROR "consumer_test.cmake: -D${required}=... is required")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR "Unix Makefiles")
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${status}): ${command}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component leakscope_library)

file(GLOB_RECURSE pc_files ${prefix}/*/leakscope.pc)
list(LENGTH pc_files pc_count)
if(NOT pc_count EQUAL 1)
  message(FATAL_ERROR "expected one installed leakscope.pc, found: ${pc_files}")
endif()
get_filename_component(pc_dir ${pc_files} DIRECTORY)
get_filename_component(libdir ${pc_dir} DIRECTORY)

# 1. find_package(leakscope) -> leakscope::leakscope
run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/with-find-package -G ${GENERATOR}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/with-find-package)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${WORK_DIR}/with-find-package/consumer)
message(STATUS "find_package: ${last_output}")
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${WORK_DIR}/with-find-package/consumer_c)

# 2. pkg_check_modules(... leakscope) in CMake
run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir}
    ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/with-pkg-config -G ${GENERATOR}
    -DCONSUMER_USE_PKG_CONFIG=ON -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/with-pkg-config)
run(${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${libdir} ${WORK_DIR}/with-pkg-config/consumer)
message(STATUS "pkg-config (CMake): ${last_output}")

# 3. A bare compiler line with `pkg-config --cflags --libs leakscope`, as a Makefile would do.
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
run(${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir} ${PKG_CONFIG_EXECUTABLE} --cflags --libs leakscope)
string(STRIP "${last_output}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CXX} -std=c++20 ${CONSUMER_DIR}/consumer.cpp ${flags} -o ${WORK_DIR}/consumer-bare)
# No LD_LIBRARY_PATH: the .pc file's run-time path must be enough to start it.
run(${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${WORK_DIR}/consumer-bare)
message(STATUS "pkg-config (compiler line): ${last_output}")
