// attach --track, the session's side: inject the tracker into the watched process (src/attach/), wait
// for its stream, and say what it cost the process.
#pragma once

#include <sys/types.h>

#include <string>

#include "session/tracker_bridge.hpp"

namespace leakscope::session {

/// Refusals before anything is created or stopped. Throws std::runtime_error with one line.
void check_attachable(pid_t pid, TrackerBridge& bridge);
/// Injects the tracker and waits for its first packets; returns the line for the user (stopped time).
/// Throws std::runtime_error with one line; the process then runs on untracked.
std::string start_attached_tracker(pid_t pid, TrackerBridge& bridge);

}  // namespace leakscope::session
