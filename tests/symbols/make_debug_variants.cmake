# Makes the stripped copies of the fixture library that the symbolizer tests open, the way
# distributions split debug information out:
#   stripped/      .debug_* removed (keeps .symtab); its debug file in debugroot/.build-id/xx/rest.debug
#   stripped_all/  everything but .dynsym removed, no debug file anywhere
#   debuglink/     .debug_* removed, .gnu_debuglink -> .debug/libsymbols_fixture.debug
#   nobuildid/     no build-id note, .gnu_debuglink -> the debug file, found by CRC alone;
#                  nobuildid_badcrc/ the same with a debug file whose CRC does not match
#   build_id.txt   the build-id as readelf prints it
# Usage: cmake -DLIB=... -DOUT=... -DOBJCOPY=... -DREADELF=... -P make_debug_variants.cmake
foreach(var LIB OUT OBJCOPY READELF)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make_debug_variants.cmake: ${var} is not set")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result ERROR_VARIABLE error)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "${ARGN} failed: ${error}")
  endif()
endfunction()

get_filename_component(name "${LIB}" NAME)
get_filename_component(stem "${LIB}" NAME_WE)
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}/stripped" "${OUT}/stripped_all" "${OUT}/debuglink/.debug" "${OUT}/nobuildid"
     "${OUT}/nobuildid_badcrc")

execute_process(COMMAND "${READELF}" -n "${LIB}" OUTPUT_VARIABLE notes RESULT_VARIABLE result)
string(REGEX MATCH "Build ID: ([0-9a-f]+)" found "${notes}")
if(NOT result EQUAL 0 OR NOT found)
  message(FATAL_ERROR "no build-id in ${LIB}")
endif()
set(build_id "${CMAKE_MATCH_1}")
file(WRITE "${OUT}/build_id.txt" "${build_id}")
string(SUBSTRING "${build_id}" 0 2 head)
string(SUBSTRING "${build_id}" 2 -1 rest)
file(MAKE_DIRECTORY "${OUT}/debugroot/.build-id/${head}")

run("${OBJCOPY}" --only-keep-debug "${LIB}" "${OUT}/debugroot/.build-id/${head}/${rest}.debug")
run("${OBJCOPY}" --strip-debug "${LIB}" "${OUT}/stripped/${name}")
run("${OBJCOPY}" --strip-all "${LIB}" "${OUT}/stripped_all/${name}")

run("${OBJCOPY}" --only-keep-debug "${LIB}" "${OUT}/debuglink/.debug/${stem}.debug")
run("${OBJCOPY}" --strip-debug "--add-gnu-debuglink=${OUT}/debuglink/.debug/${stem}.debug" "${LIB}"
    "${OUT}/debuglink/${name}")

run("${OBJCOPY}" --only-keep-debug --remove-section=.note.gnu.build-id "${LIB}" "${OUT}/nobuildid/${stem}.debug")
run("${OBJCOPY}" --strip-debug --remove-section=.note.gnu.build-id
    "--add-gnu-debuglink=${OUT}/nobuildid/${stem}.debug" "${LIB}" "${OUT}/nobuildid/${name}")
file(COPY "${OUT}/nobuildid/${name}" DESTINATION "${OUT}/nobuildid_badcrc")
file(COPY "${OUT}/nobuildid/${stem}.debug" DESTINATION "${OUT}/nobuildid_badcrc")
file(APPEND "${OUT}/nobuildid_badcrc/${stem}.debug" "changed after the link was made")
