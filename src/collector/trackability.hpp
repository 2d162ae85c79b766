// Whether the allocation tracker can work for a program, decided before the run (static binaries,
// setuid/setgid programs: the loader never preloads) and explained after it (never connected).
#pragma once

#include <string>

namespace leakscope::collector {

struct Trackability {
    bool trackable = true;
    std::string reason;  ///< one line, empty when trackable
};

/// `program` as given on the command line: a path, or a name looked up in PATH.
Trackability check_trackable(const std::string& program);

/// "go" when the ELF file at `elf_path` is a Go program (its "Go" build-id note, which stripped binaries keep),
/// else empty: a garbage-collected runtime of its own, whose heap the diagnosis judges across its
/// collections (analysis: releases_by_collector). Never blocks: anything but a regular file is "".
std::string garbage_collected_runtime(const std::string& elf_path);

/// The same for a program as given on the command line (a path, or a name looked up in PATH).
std::string garbage_collected_runtime_of_program(const std::string& program);

/// After the run: the one-line reason when the tracker never connected although the program was
/// expected to be trackable (e.g. its allocator never calls malloc), or empty.
std::string explain_never_connected(const std::string& program);

}  // namespace leakscope::collector
