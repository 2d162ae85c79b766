// Before `leakscope attach PID` starts: can this user watch that process? One clear sentence if not.
#pragma once

#include <optional>
#include <string>

#include "sampler/proc_fs.hpp"

namespace leakscope::sampler {

/// nullopt when `pid` can be sampled; otherwise the reason, ready to print, e.g.
///   "no process with PID 123"
///   "cannot read /proc/123: permission denied (the process belongs to another user; run leakscope
///    as that user or as root)"
/// smaps_rollup (or statm, on kernels without it) is the probe: it needs ptrace-read access, which
/// is what another user's process, or a Yama ptrace_scope setting, refuses.
std::optional<std::string> check_attach_access(ProcFs& fs, int pid);

}  // namespace leakscope::sampler
