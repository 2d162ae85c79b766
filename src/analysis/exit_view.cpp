#include "analysis/exit_view.hpp"

#include <algorithm>

#include "analysis/site_disambiguation.hpp"
#include "analysis/site_naming.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::analysis {

SiteName name_stack(const Recording& recording, StackId stack) {
    SiteName name;
    const auto stack_it = recording.stacks.find(stack);
    if (stack_it == recording.stacks.end()) return name;
    name.process = stack_it->second.process;
    const auto frames = resolved_stack(recording, stack_it->second);
    for (const auto& frame : frames) name.frames.push_back(symbols::format_frame(frame));
    if (frames.empty()) return name;
    const auto& user = frames[symbols::user_frame_index(frames)];
    if (!user.function.empty()) name.function = user.function;
    if (!user.file.empty()) name.file = user.file;
    if (user.line > 0) name.line = user.line;
    if (!user.module.empty()) name.module = user.module;
    return name;
}

std::string row_label(const std::string& function, const std::optional<std::string>& file, const std::optional<int>& line) {
    return function + " " + file.value_or("") + ":" + std::to_string(line.value_or(0));
}

ExitView exit_view(const Recording& recording, std::size_t max_sites) {
    ExitView view;
    view.sampled = recording.info.tracker_mode == "sampled";
    view.processes = recording.exits.size();
    for (const auto& exit : recording.exits) view.processes_without_goodbye += exit.clean ? 0 : 1;

    std::vector<const ExitSite*> held;
    for (const auto& site : recording.exit_sites) {
        if (site.live_bytes <= 0 && site.live_count <= 0) continue;
        held.push_back(&site);
        view.live_bytes += std::max<std::int64_t>(site.live_bytes, 0);
        view.live_count += std::max<std::int64_t>(site.live_count, 0);
    }
    view.site_count = held.size();
    std::stable_sort(held.begin(), held.end(), [](const ExitSite* a, const ExitSite* b) { return a->live_bytes > b->live_bytes; });
    for (std::size_t i = 0; i < held.size(); ++i) {
        const ExitSite& site = *held[i];
        if (i >= max_sites) {
            ++view.sites_not_shown;
            view.bytes_not_shown += std::max<std::int64_t>(site.live_bytes, 0);
            continue;
        }
        view.sites.push_back({site.stack, name_stack(recording, site.stack), site.live_bytes, site.live_count,
                              site.total_allocations, site.total_bytes, std::nullopt});
        if (view.sampled)
            view.sites.back().sampled = sampled_live_interval(static_cast<double>(site.live_bytes), static_cast<double>(site.live_count),
                                                              static_cast<double>(recording.info.sample_bytes));
    }
    std::vector<std::string> labels;
    std::vector<const std::vector<std::string>*> stacks;
    for (const auto& site : view.sites) {
        labels.push_back(row_label(site.name.function, site.name.file, site.name.line));
        stacks.push_back(&site.name.frames);
    }
    const auto via = distinguishing_frames(labels, stacks);
    for (std::size_t i = 0; i < view.sites.size(); ++i) view.sites[i].name.via = via[i];
    return view;
}

}  // namespace leakscope::analysis
