#include "sampler/process_tree.hpp"

#include <algorithm>

namespace leakscope::sampler {

void ProcessTree::add_once(int pid, std::vector<int>& pids) {
    if (pid <= 0 || pid > kMaxPid) return;
    const auto index = static_cast<std::size_t>(pid);
    if (index >= seen_.size()) seen_.resize(std::max(index + 1, seen_.size() * 2));
    if (seen_[index]) return;
    seen_[index] = true;
    pids.push_back(pid);
}

void ProcessTree::forget_seen(const std::vector<int>& pids) {
    for (const int pid : pids) seen_[static_cast<std::size_t>(pid)] = false;
}

void ProcessTree::discover(ProcFs& fs, int root, std::vector<int>& pids, int adopter) {
    pids.clear();
    if (root <= 0 || root > kMaxPid) return;
    add_once(root, pids);
    if (adopter <= 0 || adopter > kMaxPid || adopter == root) adopter = 0;
    if (!scan_all_) discover_by_children_files(fs, pids, adopter);
    if (scan_all_) discover_by_stat_scan(fs, pids, adopter);
    forget_seen(pids);
}

void ProcessTree::discover_by_children_files(ProcFs& fs, std::vector<int>& pids, int adopter) {
    // Breadth-first: `pids` grows while it is walked. The adopter is walked first (index -1) without
    // being listed itself; its children other than the root are the orphans it took in.
    for (std::ptrdiff_t i = adopter ? -1 : 0; i < static_cast<std::ptrdiff_t>(pids.size()); ++i) {
        children_.clear();
        const auto found = fs.read_children(i < 0 ? adopter : pids[static_cast<std::size_t>(i)], children_);
        if (!found && found.error().kind == ProcError::Kind::kUnsupported) {
            scan_all_ = true;
            forget_seen(pids);
            pids.resize(1);
            seen_[static_cast<std::size_t>(pids[0])] = true;
            return;
        }
        // Any other failure (the process exited, another user's thread) leaves what was read.
        for (const int child : children_) add_once(child, pids);
    }
}

void ProcessTree::discover_by_stat_scan(ProcFs& fs, std::vector<int>& pids, int adopter) {
    if (!fs.list_pids(all_pids_)) return;
    by_parent_.clear();
    for (const int pid : all_pids_) {
        const auto stat = fs.read_stat(pid);
        if (stat) by_parent_.emplace_back(stat->ppid, pid);
    }
    std::sort(by_parent_.begin(), by_parent_.end());
    for (std::ptrdiff_t i = adopter ? -1 : 0; i < static_cast<std::ptrdiff_t>(pids.size()); ++i) {
        const int parent = i < 0 ? adopter : pids[static_cast<std::size_t>(i)];
        auto it = std::lower_bound(by_parent_.begin(), by_parent_.end(), std::pair<int, int>{parent, 0});
        for (; it != by_parent_.end() && it->first == parent; ++it) add_once(it->second, pids);
    }
}

}  // namespace leakscope::sampler
