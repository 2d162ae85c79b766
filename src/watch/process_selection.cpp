#include "watch/process_selection.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace leakscope::watch {
namespace {

constexpr int kKthreadd = 2;  // the parent of every kernel thread

struct StatFacts {
    int ppid = -1;
    std::string comm;
    std::uint64_t start_time = 0;
};

/// /proc/PID/stat of the processes looked at in one selection, read once each.
class StatCache {
public:
    explicit StatCache(sampler::ProcFs& fs) : fs_(fs) {}
    const StatFacts* get(int pid) {
        if (const auto it = cache_.find(pid); it != cache_.end()) return it->second ? &*it->second : nullptr;
        auto stat = fs_.read_stat(pid);
        auto& slot = cache_[pid];
        if (stat.ok()) slot = StatFacts{stat->ppid, stat->comm, stat->start_time.value_or(0)};
        return slot ? &*slot : nullptr;
    }

private:
    sampler::ProcFs& fs_;
    std::unordered_map<int, std::optional<StatFacts>> cache_;
};

std::vector<int> parse_pid_lines(std::string_view text) {
    std::vector<int> pids;
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        int pid = 0;
        if (std::from_chars(line.data(), line.data() + line.size(), pid).ec == std::errc{} && pid > 0) pids.push_back(pid);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return pids;
}

/// `cgroup` and every cgroup below it, as paths relative to the cgroup root: a service's processes often
/// sit in child cgroups (systemd's delegated subtrees, a container runtime's per-container groups), and
/// a cgroup's cgroup.procs lists only its own. Symbolic links are not followed; unreadable parts skipped.
std::vector<std::string> cgroup_and_descendants(const std::string& root, const std::string& cgroup) {
    namespace fs = std::filesystem;
    std::string relative = cgroup;
    while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
    while (!relative.empty() && relative.back() == '/') relative.pop_back();
    std::vector<std::string> out{relative};
    std::error_code error;
    const fs::path top = fs::path(root) / relative;
    fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, error), end;
    for (; !error && it != end; it.increment(error)) {
        if (it->is_directory(error) && !it->is_symlink(error)) out.push_back(fs::path(relative) / it->path().lexically_relative(top));
    }
    return out;
}

}  // namespace

ProcessSelection::ProcessSelection(SelectionCriteria criteria) : criteria_(std::move(criteria)) {
    for (const auto& pattern : criteria_.name_patterns) {
        try {
            names_.emplace_back(pattern, std::regex::ECMAScript | std::regex::optimize);
        } catch (const std::regex_error& e) {
            throw std::invalid_argument("--name: '" + pattern + "' is not a valid regular expression: " + e.what());
        }
    }
}

std::vector<Candidate> ProcessSelection::select(sampler::ProcFs& fs) {
    StatCache stats(fs);
    std::unordered_set<int> chosen;
    const int self = static_cast<int>(::getpid());
    auto consider = [&](int pid) {
        if (pid == self || pid == kKthreadd) return;
        const StatFacts* facts = stats.get(pid);
        if (!facts || facts->ppid == kKthreadd) return;
        chosen.insert(pid);
    };
    for (const int pid : criteria_.pids) consider(pid);
    if (!names_.empty() && fs.list_pids(all_pids_).ok()) {
        for (const int pid : all_pids_) {
            const StatFacts* facts = stats.get(pid);
            if (!facts) continue;
            for (const auto& name : names_) {
                if (std::regex_search(facts->comm, name)) {
                    consider(pid);
                    break;
                }
            }
        }
    }
    for (const auto& cgroup : criteria_.cgroups) {
        for (const auto& relative : cgroup_and_descendants(fs.cgroup_root(), cgroup)) {
            if (auto procs = fs.read_cgroup_file(relative + (relative.empty() ? "" : "/") + "cgroup.procs"); procs.ok()) {
                for (const int pid : parse_pid_lines(*procs)) consider(pid);
            }
        }
    }

    std::vector<Candidate> result;
    for (const int pid : chosen) {
        // Walk up: an ancestor that is watched already counts this process in its tree.
        bool covered = false;
        int up = stats.get(pid)->ppid;
        for (int depth = 0; up > 1 && depth < 4096 && !covered; ++depth) {
            covered = chosen.count(up) > 0;
            const StatFacts* parent = stats.get(up);
            up = parent ? parent->ppid : -1;
        }
        if (covered) continue;
        const StatFacts* facts = stats.get(pid);
        result.push_back({pid, facts->comm, facts->start_time});
    }
    std::sort(result.begin(), result.end(), [](const Candidate& a, const Candidate& b) { return a.pid < b.pid; });
    return result;
}

}  // namespace leakscope::watch
