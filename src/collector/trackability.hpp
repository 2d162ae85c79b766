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

/// After the run: the one-line reason when the tracker never connected although the program was
/// expected to be trackable (e.g. its allocator never calls malloc), or empty.
std::string explain_never_connected(const std::string& program);

}  // namespace leakscope::collector
