# leakscope_targets_under(DIR OUT): the targets defined in DIR and the directories it added, recursively,
# except bench/ (the benchmarks, which no test uses).
function(leakscope_targets_under dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir ${subdirs})
    if(NOT subdir STREQUAL "${PROJECT_SOURCE_DIR}/bench")
      leakscope_targets_under(${subdir} below)
      list(APPEND targets ${below})
    endif()
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# leakscope_suite_runs(NAME...): accuracy-corpus programs (examples/patterns) that a test of the suite runs,
# so that `make test` builds them; names that are no target (the corpus's Python, perl or Go programs) are
# ignored.
function(leakscope_suite_runs)
  set_property(GLOBAL APPEND PROPERTY LEAKSCOPE_SUITE_PROGRAMS ${ARGN})
endfunction()
