// The facts a recording starts with: the command, the pid, the limits the projection can use.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "model/recording.hpp"
#include "session/watch_options.hpp"

namespace leakscope::session {

/// Reads the cgroup memory limit and the machine's memory for `pid` now.
RunInfo make_run_info(const std::vector<std::string>& command, pid_t pid, bool attached, const WatchOptions& options);

/// argv of a running process from /proc/PID/cmdline (empty when it cannot be read).
std::vector<std::string> read_command_line(pid_t pid);

}  // namespace leakscope::session
