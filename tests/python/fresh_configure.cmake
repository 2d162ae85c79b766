# A clean build must have the tracker's Python frames whenever the Python package is built for a CPython
# whose frame layout the tracker knows. Configures SOURCE_DIR afresh into WORK_DIR (nothing cached: the
# state of a fresh clone, which is what CI builds) and reads what src/tracker decided.
# Regression: FindPython asked for Development.Module alone found nothing on a first configure, and
# every Python site named an interpreter frame in clean builds only.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR} -DCMAKE_BUILD_TYPE=Release
                        -DLEAKSCOPE_BUILD_TESTS=OFF -DLEAKSCOPE_BUILD_BENCH=OFF
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "fresh configure failed (${status}): ${err}")
endif()
file(STRINGS ${WORK_DIR}/CMakeCache.txt frames REGEX "^LEAKSCOPE_TRACKER_PYTHON_FRAMES:")
file(REMOVE_RECURSE ${WORK_DIR})
string(REGEX REPLACE "^[^=]*=" "" frames "${frames}")
execute_process(COMMAND ${PYTHON} -c "import sys; print('%d.%d' % sys.version_info[:2])"
                OUTPUT_VARIABLE PYTHON_VERSION OUTPUT_STRIP_TRAILING_WHITESPACE)
if(PYTHON_VERSION VERSION_GREATER_EQUAL 3.11 AND PYTHON_VERSION VERSION_LESS 3.12)
  set(expected "3.11 3.12")  # built with 3.11's headers, python_layout.hpp knows 3.11 and 3.12
else()
  set(expected OFF)  # python_frames.cpp is built with 3.11's headers only
endif()
if(NOT frames STREQUAL expected)
  message(FATAL_ERROR "a fresh configure gives the tracker Python frames '${frames}', expected '${expected}' "
                      "(the package is built for Python ${PYTHON_VERSION})")
endif()
message(STATUS "fresh configure: tracker Python frames '${frames}' for Python ${PYTHON_VERSION}")
