#include "analysis/site_naming.hpp"

#include <algorithm>
#include <cstdio>

#include "symbols/frame_format.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::analysis {
namespace {

/// Cumulative events at each grid time, interpolated from the samples (events are counted per sample).
std::vector<double> events_on_grid(const Recording& recording) {
    const auto& samples = recording.samples;
    if (samples.empty() || samples.back().events == 0) return {};
    std::vector<double> events;
    std::size_t i = 0;
    for (double t : recording.sites.t_s) {
        while (i + 1 < samples.size() && samples[i + 1].t_s <= t) ++i;
        events.push_back(static_cast<double>(samples[i].events));
    }
    return events;
}

ResolvedFrame unresolved(const Recording& recording, std::uint32_t process, std::uint64_t address) {
    ResolvedFrame frame;
    frame.function = "??";
    for (const auto& module : recording.modules) {
        if (module.process == process && address >= module.start && address < module.end) {
            frame.module = module.path;
            frame.module_offset = address - module.load_bias;
            break;
        }
    }
    if (frame.module.empty()) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(address));
        frame.function = hex;
    }
    return frame;
}

}  // namespace

std::vector<ResolvedFrame> resolved_stack(const Recording& recording, const Stack& stack) {
    std::vector<ResolvedFrame> frames;
    for (std::uint64_t address : stack.frames) {
        const auto it = recording.symbols.find({stack.process, address});
        if (it != recording.symbols.end() && !it->second.empty()) {
            frames.insert(frames.end(), it->second.begin(), it->second.end());
        } else {
            frames.push_back(unresolved(recording, stack.process, address));
        }
    }
    return frames;
}

std::vector<SiteReport> diagnose_and_name_sites(const Recording& recording, const diagnosis::Options& diagnosis_options,
                                                const Options& options) {
    const auto& grid = recording.sites;
    if (grid.sites.empty() || grid.t_s.empty()) return {};

    std::vector<diagnosis::SiteInput> inputs;
    inputs.reserve(grid.sites.size());
    for (const auto& site : grid.sites) {
        diagnosis::SiteInput input;
        input.live_bytes.assign(site.live_bytes.begin(), site.live_bytes.end());
        inputs.push_back(std::move(input));
    }
    auto verdicts = diagnosis::diagnose_sites(grid.t_s, inputs, events_on_grid(recording), diagnosis_options);

    // Leaks first, then by steady growth, then by the most memory held at any time (a batch that
    // allocates 30 MB and frees it again matters more than 70 KB held since start-up).
    auto peak = [&](std::size_t index) {
        const auto& bytes = grid.sites[index].live_bytes;
        return bytes.empty() ? std::int64_t{0} : *std::max_element(bytes.begin(), bytes.end());
    };
    std::stable_sort(verdicts.begin(), verdicts.end(), [&](const auto& a, const auto& b) {
        if (a.diagnosis.leak != b.diagnosis.leak) return a.diagnosis.leak;
        if (a.diagnosis.steady_rate_bytes_per_s != b.diagnosis.steady_rate_bytes_per_s)
            return a.diagnosis.steady_rate_bytes_per_s > b.diagnosis.steady_rate_bytes_per_s;
        return peak(a.index) > peak(b.index);
    });
    if (verdicts.size() > options.max_sites) verdicts.resize(options.max_sites);

    std::vector<SiteReport> reports;
    for (const auto& verdict : verdicts) {
        const auto& series = grid.sites[verdict.index];
        SiteReport report;
        report.stack = series.stack;
        report.diagnosis = verdict.diagnosis;
        report.q_value = verdict.q_value;
        report.series_index = verdict.index;
        report.total_allocations = series.total_allocations;
        report.total_bytes = series.total_bytes;
        report.live_bytes = series.live_bytes.empty() ? 0 : static_cast<double>(series.live_bytes.back());
        for (auto v : series.live_bytes) report.peak_live_bytes = std::max(report.peak_live_bytes, static_cast<double>(v));

        const auto stack_it = recording.stacks.find(series.stack);
        if (stack_it != recording.stacks.end()) {
            report.process = stack_it->second.process;
            const auto frames = resolved_stack(recording, stack_it->second);
            for (const auto& frame : frames) report.frames.push_back(symbols::format_frame(frame));
            if (!frames.empty()) {
                const auto& user = frames[symbols::user_frame_index(frames)];
                report.function = user.function;
                if (!user.file.empty()) report.file = user.file;
                if (user.line > 0) report.line = user.line;
                if (!user.module.empty()) report.module = user.module;
            }
        }
        if (report.function.empty()) report.function = "??";
        reports.push_back(std::move(report));
    }
    return reports;
}

}  // namespace leakscope::analysis
