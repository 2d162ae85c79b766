// Finds a process and all its descendants, cheaply: by following /proc/PID/task/*/children down from
// the root, which costs one read per thread of the tree, instead of reading every process's stat.
// Kernels without children files (CONFIG_PROC_CHILDREN off) get the full /proc/[0-9]*/stat scan.
#pragma once

#include <utility>
#include <vector>

#include "sampler/proc_fs.hpp"

namespace leakscope::sampler {

/// Pids above this are ignored: PID_MAX_LIMIT on 64-bit Linux is 2^22, so a bigger one is damaged data.
inline constexpr int kMaxPid = 1 << 22;

class ProcessTree {
public:
    /// Fills `pids` (cleared first) with `root` followed by its descendants, parents before children.
    /// The root comes first even when it is gone; processes that exit during the walk are listed or
    /// not depending on timing, and the caller must expect any of them to be gone when it reads them.
    /// Never fails: a process whose children cannot be read is treated as having none.
    /// `adopter` > 0: the children of that process (not the process itself) and their descendants are
    /// part of the tree too: `run` makes itself the target's subreaper, so a descendant whose parent
    /// exits is re-parented to leakscope instead of to init, and stays watched.
    void discover(ProcFs& fs, int root, std::vector<int>& pids, int adopter = 0);

    /// True once the kernel turned out to have no children files.
    bool scans_all_processes() const { return scan_all_; }

private:
    void discover_by_children_files(ProcFs& fs, std::vector<int>& pids, int adopter);
    void discover_by_stat_scan(ProcFs& fs, std::vector<int>& pids, int adopter);
    // Adds `pid` to `pids` unless it is already there (damaged data can make a cycle).
    void add_once(int pid, std::vector<int>& pids);
    void forget_seen(const std::vector<int>& pids);

    bool scan_all_ = false;
    std::vector<bool> seen_;  // indexed by pid; cleared entry by entry, not re-allocated
    std::vector<int> children_;
    std::vector<int> all_pids_;
    std::vector<std::pair<int, int>> by_parent_;  // (ppid, pid), sorted
};

}  // namespace leakscope::sampler
