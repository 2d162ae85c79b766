// Which processes `leakscope watch` watches: given pids, every process whose name matches a regular
// expression, every process of a cgroup. Re-evaluated every cycle, so new matching processes are
// picked up and exited ones dropped.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "sampler/proc_fs.hpp"

namespace leakscope::watch {

struct SelectionCriteria {
    std::vector<int> pids;
    std::vector<std::string> name_patterns;  ///< ECMAScript regex, searched in the process name (comm)
    std::vector<std::string> cgroups;        ///< paths under the cgroup root ("system.slice/my.service"), child cgroups included
};

/// One process chosen, identified by pid and start time (a reused pid is another process).
struct Candidate {
    int pid = 0;
    std::string comm;
    std::uint64_t start_time = 0;  ///< clock ticks since boot (/proc/PID/stat field 22)
};

class ProcessSelection {
public:
    /// Throws std::invalid_argument with one line when a name pattern is not a valid regex.
    explicit ProcessSelection(SelectionCriteria criteria);

    /// The processes selected now, by pid. Each watched process counts its children too (as `attach`
    /// does), so a selected process whose ancestor is also selected is left out: its memory is
    /// already in its ancestor's. Kernel threads and leakscope itself are never selected.
    std::vector<Candidate> select(sampler::ProcFs& fs);

    /// Whether the criteria can never select a new process (only fixed pids): watch ends when they are gone.
    bool pids_only() const { return names_.empty() && criteria_.cgroups.empty(); }

private:
    SelectionCriteria criteria_;
    std::vector<std::regex> names_;
    std::vector<int> all_pids_;
};

}  // namespace leakscope::watch
