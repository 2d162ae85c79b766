# -DLEAKSCOPE_SANITIZE=ON: everything built with AddressSanitizer and UndefinedBehaviorSanitizer (any UB
# report aborts), so the recording and tracker tests run under them (`make sanitize` builds and runs
# them in build-sanitize/). The preloaded tracker and the programs it is preloaded into are the
# exception: ASan must come first in a process's library list and owns malloc, so it cannot sit under
# a preloaded allocator hook; their logic (tables, settings, wire decoder) is compiled into
# tracker_tests and checked there. leakscope_no_sanitize(target) marks them.
option(LEAKSCOPE_SANITIZE "Build with ASan+UBSan (tests of the tracker and recordings run under them)" OFF)
if(LEAKSCOPE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
  # Line tables are all a sanitizer report needs (file:line:column, inlined frames included); full -g
  # (types, variables) cost 8% more CPU for `make sanitize-tests` from scratch and 1.7x the build
  # directory (README "Tests"). Comes after the build type's -g, so it wins; clang only.
  add_compile_options($<$<OR:$<COMPILE_LANG_AND_ID:CXX,Clang>,$<COMPILE_LANG_AND_ID:C,Clang>>:-gline-tables-only>)
endif()
function(leakscope_no_sanitize)
  if(NOT LEAKSCOPE_SANITIZE)
    return()
  endif()
  foreach(target ${ARGN})
    target_compile_options(${target} PRIVATE -fno-sanitize=all)
    target_link_options(${target} PRIVATE -fno-sanitize=all)
  endforeach()
endfunction()
