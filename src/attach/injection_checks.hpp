// Whether the tracker can be injected into a process, decided from /proc before anything is stopped,
// and each "no" as one line that says what to do instead. Pure functions of their inputs, so the
// unit tests can try every refusal (ptrace_scope values, other users) without such a system.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "attach/target_process_facts.hpp"

namespace leakscope::attach {

/// What leakscope itself is and may do, next to the target's facts.
struct InjectorFacts {
    uid_t effective_uid = 0;
    bool cap_sys_ptrace = false;
    int ptrace_scope = -1;            ///< kernel.yama.ptrace_scope; -1 without Yama
    bool library_visible = true;      ///< the tracker library is the same file at the same path for the target
    bool socket_visible = true;       ///< likewise the collector's socket directory
    std::string library;
    std::string socket_directory;
};

/// Reads the injector's side; `library` and `socket_directory` are checked through /proc/PID/root.
InjectorFacts read_injector_facts(const ProcessFacts& target, const std::string& library, const std::string& socket_directory);

/// One line saying why the tracker cannot be injected, or nullopt when nothing is known to stand in the way.
std::optional<std::string> injection_refusal(const ProcessFacts& target, const InjectorFacts& injector);

/// The line for a ptrace that failed with `error` although the checks passed (EPERM from a security
/// module, a process already traced by a debugger: EPERM too).
std::string explain_ptrace_failure(pid_t pid, int error, const InjectorFacts& injector);

}  // namespace leakscope::attach
