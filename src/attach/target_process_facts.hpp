// What leakscope must know about a running process before injecting into it, read from /proc: its
// mapped modules (libc, the dynamic loader, the tracker if already there), owner, mount namespace and
// threads. Plain reads; nothing here stops or touches the process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::attach {

struct MappedModule {
    std::string path;        ///< as the target sees it (its mount namespace)
    std::uint64_t base = 0;  ///< start of the mapping at file offset 0: the load address of a shared object
    std::uint64_t end = 0;   ///< end of its last mapping
};

struct ProcessFacts {
    pid_t pid = 0;
    uid_t uid = 0;                              ///< real uid (/proc/PID/status)
    std::optional<MappedModule> libc;           ///< libc.so.6
    std::optional<MappedModule> loader;         ///< ld-linux*.so: absent in a static binary
    bool tracker_loaded = false;                ///< libleakscope_tracker.so is mapped already
    bool tracker_preloaded = false;             ///< started under `leakscope run` (its environment says so)
    bool same_mount_namespace = true;
    std::vector<pid_t> threads;                 ///< /proc/PID/task, the main thread first
    bool our_descendant = false;                ///< leakscope is among its ancestors (ptrace_scope 1 allows that)
};

/// Throws std::runtime_error with one line when the process cannot be read (gone, or not ours to read).
ProcessFacts read_process_facts(pid_t pid);

/// The system call a thread is blocked in (/proc/PID/task/TID/syscall), or nullopt when it is running
/// user code or the file cannot be read.
std::optional<long> blocked_system_call(pid_t pid, pid_t tid);

}  // namespace leakscope::attach
