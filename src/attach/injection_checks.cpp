#include "attach/injection_checks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace leakscope::attach {
namespace {

bool has_cap_sys_ptrace() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> 19) & 1;  // CAP_SYS_PTRACE = 19
    }
    return false;
}

/// The same file for us and for the target: it may look under another root or mount namespace.
bool same_file_for(pid_t pid, const std::string& path) {
    struct stat ours{}, theirs{};
    const std::string through_target = "/proc/" + std::to_string(pid) + "/root" + path;
    return ::stat(path.c_str(), &ours) == 0 && ::stat(through_target.c_str(), &theirs) == 0 && ours.st_dev == theirs.st_dev &&
           ours.st_ino == theirs.st_ino;
}

std::string process(pid_t pid) { return "process " + std::to_string(pid); }

}  // namespace

InjectorFacts read_injector_facts(const ProcessFacts& target, const std::string& library, const std::string& socket_directory) {
    InjectorFacts facts;
    facts.effective_uid = ::geteuid();
    facts.cap_sys_ptrace = has_cap_sys_ptrace();
    std::ifstream scope("/proc/sys/kernel/yama/ptrace_scope");
    if (!(scope >> facts.ptrace_scope)) facts.ptrace_scope = -1;
    facts.library = library;
    facts.socket_directory = socket_directory;
    facts.library_visible = same_file_for(target.pid, library);
    facts.socket_visible = same_file_for(target.pid, socket_directory);
    return facts;
}

std::optional<std::string> injection_refusal(const ProcessFacts& target, const InjectorFacts& injector) {
    const std::string who = process(target.pid);
    if (!target.libc || !target.loader)
        return who + " is statically linked (no dynamic loader in its memory): the tracker cannot be loaded into it; "
                     "`leakscope attach` without --track samples its memory from /proc";
    if (target.tracker_loaded && target.tracker_preloaded)
        return who + " has the allocation tracker already: it runs under `leakscope run`";
    if (target.uid != injector.effective_uid && !injector.cap_sys_ptrace)
        return who + " belongs to uid " + std::to_string(target.uid) +
               ": attaching the tracker needs that user or CAP_SYS_PTRACE (e.g. sudo)";
    if (injector.ptrace_scope == 3)
        return "ptrace is disabled on this system (kernel.yama.ptrace_scope = 3, until reboot): attach --track cannot work; "
               "start the program under `leakscope run`";
    if (injector.ptrace_scope == 2 && !injector.cap_sys_ptrace)
        return "kernel.yama.ptrace_scope = 2 lets only CAP_SYS_PTRACE trace processes: run leakscope with it (e.g. sudo)";
    if (injector.ptrace_scope == 1 && !injector.cap_sys_ptrace && !target.our_descendant)
        return "kernel.yama.ptrace_scope = 1 lets a process trace only its own descendants: run leakscope with CAP_SYS_PTRACE "
               "(e.g. sudo), or `sudo sysctl kernel.yama.ptrace_scope=0`, or start the program under `leakscope run`";
    if (!injector.library_visible)
        return who + " runs in another mount namespace (a container?) where " + injector.library +
               " is not visible: run leakscope inside it, or bind-mount that path into it";
    if (!injector.socket_visible)
        return who + " runs in another mount namespace (a container?) where leakscope's socket directory " +
               injector.socket_directory + " is not visible: run leakscope inside it, or set TMPDIR to a directory both see";
    return std::nullopt;
}

std::string explain_ptrace_failure(pid_t pid, int error, const InjectorFacts& injector) {
    std::string line = "cannot ptrace " + process(pid) + " (" + std::strerror(error) + ")";
    if (error == EPERM)
        line += injector.ptrace_scope >= 1 ? ": kernel.yama.ptrace_scope = " + std::to_string(injector.ptrace_scope) + " forbids it"
                                           : ": is a debugger (gdb, strace) attached to it, or does a security module forbid it?";
    return line;
}

}  // namespace leakscope::attach
