// `leakscope attach --track`: loads the tracker library into a running process and turns it on. One of
// the process's threads is borrowed at a safe point (RemoteThread) to call the process's own dlopen on
// the library and then leakscope_tracker_attach with the collector's settings; the library rewrites the
// program's GOT slots and connects back. Only that thread is held, for the length of the two calls.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>

namespace leakscope::attach {

/// The one-line reason the tracker could not be injected (a refusal before anything was touched, or a
/// failure during the injection, after which the process runs on unchanged).
class InjectionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct InjectionRequest {
    std::string library;           ///< absolute path of libleakscope_tracker.so
    std::string socket_directory;  ///< where the collector listens (must be visible to the target)
    std::string settings;          ///< NUL-separated LEAKSCOPE_TRACKER_*=value entries
};

struct Injection {
    pid_t thread = 0;                   ///< the thread that made the calls
    std::chrono::nanoseconds held{0};   ///< total time any thread of the process was stopped or borrowed
    int stops = 0;                      ///< stops it took to find a safe point
};

/// Refusals only (nothing is stopped): throws InjectionError when the process cannot be tracked.
void check_injectable(pid_t pid, const InjectionRequest& request);
/// Injects and activates the tracker. Throws InjectionError.
Injection inject_tracker(pid_t pid, const InjectionRequest& request);

}  // namespace leakscope::attach
