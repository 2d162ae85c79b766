# `cmake --install` puts the Python package and its dist-info (the pytest11 entry point) into the
# site directory under the prefix; the installed copy imports and pytest finds the plugin.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR} --component leakscope_python
                RESULT_VARIABLE status OUTPUT_QUIET)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${status})")
endif()
if(IS_ABSOLUTE "${SITE_DIR}")
  message(FATAL_ERROR "LEAKSCOPE_PYTHON_INSTALL_DIR is absolute; this check needs it under the prefix")
endif()
set(site ${WORK_DIR}/${SITE_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${site} ${PYTHON} -c
  "import leakscope, importlib.metadata as m; assert leakscope.__file__.startswith('${site}'), leakscope.__file__; eps = m.entry_points(group='pytest11'); assert any(e.value == 'leakscope.pytest_plugin' for e in eps), list(eps); print(leakscope.measure_cycles(lambda: None, cycles=20).pattern)"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the installed package does not work: ${out}${err}")
endif()
message(STATUS "installed package works: ${out}")
