#include "analysis/site_disambiguation.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "analysis/exit_view.hpp"  // row_label

namespace leakscope::analysis {
namespace {

/// Index of the first frame where a and b differ (the shorter one's length when one extends the other).
std::size_t first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return static_cast<std::size_t>(mismatch.first - a.begin());
}

/// "pid 4242 (python3)" for a tracked process recorded as "4242:python3".
std::string process_description(const Recording& recording, std::uint32_t process) {
    if (process >= recording.processes.size()) return fmt::format("process #{}", process);
    const std::string& pid_and_name = recording.processes[process];
    const auto colon = pid_and_name.find(':');
    if (colon == std::string::npos) return "pid " + pid_and_name;
    return fmt::format("pid {} ({})", pid_and_name.substr(0, colon), pid_and_name.substr(colon + 1));
}

}  // namespace

std::vector<std::string> distinguishing_frames(const std::vector<std::string>& labels,
                                               const std::vector<const std::vector<std::string>*>& stacks) {
    std::vector<std::string> via(labels.size());
    std::map<std::string, std::vector<std::size_t>> rows_by_label;
    for (std::size_t i = 0; i < labels.size(); ++i) rows_by_label[labels[i]].push_back(i);
    for (const auto& [label, rows] : rows_by_label) {
        if (rows.size() < 2) continue;
        for (std::size_t i : rows) {
            // Deep enough to differ from every other row of the group.
            std::size_t depth = 0;
            for (std::size_t j : rows)
                if (j != i) depth = std::max(depth, first_difference(*stacks[i], *stacks[j]));
            if (depth < stacks[i]->size()) via[i] = (*stacks[i])[depth];
        }
    }
    return via;
}

void tell_sites_apart(const Recording& recording, std::vector<SiteReport>& sites) {
    std::vector<std::string> labels;
    std::vector<const std::vector<std::string>*> stacks;
    for (const auto& site : sites) {
        labels.push_back(row_label(site.function, site.file, site.line));
        stacks.push_back(&site.frames);
    }
    const auto via = distinguishing_frames(labels, stacks);
    std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> rows_reading_alike;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        sites[i].via = sites[i].call_paths > 1 ? fmt::format("{} call paths, judged together", sites[i].call_paths) : via[i];
        rows_reading_alike[{labels[i], sites[i].via}].push_back(i);
    }
    for (const auto& group : rows_reading_alike) {
        const std::vector<std::size_t>& rows = group.second;
        const std::uint32_t first_process = sites[rows.front()].process;
        const bool processes_differ = std::any_of(rows.begin(), rows.end(), [&](std::size_t i) { return sites[i].process != first_process; });
        if (!processes_differ) continue;
        for (std::size_t i : rows) sites[i].in_process = process_description(recording, sites[i].process);
    }
}

}  // namespace leakscope::analysis
