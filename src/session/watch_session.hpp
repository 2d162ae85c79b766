// The watching loop behind `run` and `attach`: sample the process tree every interval, pass the
// target's output through (counting events), collect the tracker's snapshots, and write the
// recording incrementally, flushed every second, so nothing recorded is lost if anything dies.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "session/watch_options.hpp"
#include "session/watch_result.hpp"

namespace leakscope::session {

/// Starts `command` and watches it until it ends (or --duration, then stops it). Throws
/// launch::LaunchError when the command cannot start, CliError-like runtime_error otherwise.
WatchResult run_and_watch(const std::vector<std::string>& command, WatchOptions options);

/// Watches a running process and its children until it exits, Ctrl-C, or --duration.
WatchResult attach_and_watch(pid_t pid, WatchOptions options);

/// leakscope.<program>.<pid>.lks in the working directory.
std::string default_recording_path(const std::string& program, long pid);

}  // namespace leakscope::session
