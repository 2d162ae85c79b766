// Python targets whose sites got no Python frames: which CPython the program runs, and the one line
// that says why its sites show the interpreter's native frames instead.
#pragma once

#include <string>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::session {

/// The CPython version ("3.12") of a process whose loaded objects include the interpreter (python3.12,
/// libpython3.12.so.1.0), or "" when none does.
std::string cpython_version(const std::vector<Module>& modules);

/// Why a CPython `version` target has no Python frames, when the tracker reads the versions `built_in`
/// ("3.11 3.12"; "" when leakscope was built without Python frames).
std::string missing_python_frames_note(const std::string& version, const std::string& built_in);

}  // namespace leakscope::session
