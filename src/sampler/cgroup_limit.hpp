// The memory limit the kernel enforces on a process through its cgroups: what "time until the
// process reaches its limit" is measured against.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sampler/proc_error.hpp"
#include "sampler/proc_fs.hpp"

namespace leakscope::sampler {

struct CgroupMemoryLimit {
    std::uint64_t bytes = 0;
    std::string file;  ///< the memory.max or memory.limit_in_bytes that sets it (under the cgroup root)
};

/// The tightest memory limit over every cgroup of `pid` and all their ancestors: a limit on a parent
/// cgroup caps its children too. Looks at the v2 line ("0::/path", under the cgroup root itself or
/// under "unified/" on hybrid systems) and the v1 memory line ("N:memory:/path", under "memory/" or
/// the co-mounted controller list). nullopt when no level sets a limit ("max", or a huge v1 value).
/// Fails only when /proc/PID/cgroup cannot be read or a limit file holds garbage.
Expected<std::optional<CgroupMemoryLimit>> find_cgroup_memory_limit(ProcFs& fs, int pid);

}  // namespace leakscope::sampler
