#include "sampler/access_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace leakscope::sampler {

std::optional<std::string> check_attach_access(ProcFs& fs, int pid) {
    if (pid <= 0) return "invalid PID " + std::to_string(pid) + ": a PID is a positive number";
    const std::string dir = fs.process_dir(pid);
    struct stat info {};
    if (::stat(dir.c_str(), &info) != 0) {
        if (errno == ENOENT) return "no process with PID " + std::to_string(pid);
        return "cannot read " + dir + ": " + std::strerror(errno);
    }

    const auto status = fs.read_status(pid);
    if (!status) {
        if (status.error().kind == ProcError::Kind::kNotFound) return "no process with PID " + std::to_string(pid);
        return status.error().message;
    }
    if (status->state == 'Z' || status->state == 'X')
        return "process " + std::to_string(pid) + " (" + status->name + ") has already exited";
    if (!status->vm_rss)
        return "process " + std::to_string(pid) + " (" + status->name + ") is a kernel thread: it has no memory to watch";

    auto probe = fs.read_smaps_rollup(pid);
    if (!probe && probe.error().kind == ProcError::Kind::kNotFound) {
        // No smaps_rollup before Linux 4.14 (or the process exited just now): statm is the fallback
        // the sampler uses, so it is what must be readable.
        const auto statm = fs.read_statm(pid);
        if (statm) return std::nullopt;
        if (statm.error().kind == ProcError::Kind::kNotFound) return "no process with PID " + std::to_string(pid);
        return statm.error().message;
    }
    if (probe) return std::nullopt;
    if (probe.error().kind != ProcError::Kind::kPermissionDenied) return probe.error().message;

    // The owner of /proc/PID is the process's effective user (or root for non-dumpable processes).
    const std::string prefix = "cannot read " + dir + ": permission denied ";
    // Root refused: telling root to run as root helps nobody. What is missing is a capability.
    if (::geteuid() == 0)
        return prefix +
               "(leakscope already runs as root, but lacks the capability to read another process's memory "
               "here: in a container, grant CAP_SYS_PTRACE, e.g. `docker run --cap-add SYS_PTRACE`; or start the "
               "process with `leakscope run`)";
    if (info.st_uid != ::geteuid())
        return prefix + "(the process belongs to another user; run leakscope as that user or as root)";
    return prefix +
           "(ptrace access to it is restricted, see /proc/sys/kernel/yama/ptrace_scope, or the process is "
           "not dumpable; run leakscope as root or start the process with `leakscope run`)";
}

}  // namespace leakscope::sampler
