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
