#include "analysis/site_naming.hpp"

#include <algorithm>
#include <functional>
#include <cstdio>

#include "analysis/exit_view.hpp"

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
                                                const Options& options, double until_t_s) {
    const auto& grid = recording.sites;
    if (grid.sites.empty() || grid.t_s.empty()) return {};
    std::size_t columns = grid.t_s.size();
    while (columns > 1 && grid.t_s[columns - 1] > until_t_s) --columns;
    const std::vector<double> grid_t(grid.t_s.begin(), grid.t_s.begin() + static_cast<std::ptrdiff_t>(columns));

    // Which sites to judge: a program can have tens of thousands of stacks, and each diagnosis costs
    // milliseconds. Sites that never held more than a sliver of the largest site's peak cannot hold
    // the growth that matters; of the rest, the kMaxJudgedSites with the largest peaks are judged
    // (the false-discovery control runs over those).
    constexpr std::size_t kMaxJudgedSites = 400;
    std::vector<std::pair<std::int64_t, std::size_t>> by_peak;  // (peak live bytes in the judged span, site index)
    std::vector<std::int64_t> peak_over_run(grid.sites.size(), 0);  // for ranking and the report
    std::int64_t largest_peak = 0;
    for (std::size_t i = 0; i < grid.sites.size(); ++i) {
        const auto& bytes = grid.sites[i].live_bytes;
        if (!bytes.empty()) peak_over_run[i] = *std::max_element(bytes.begin(), bytes.end());
        const std::int64_t peak =
            bytes.empty() ? 0 : *std::max_element(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(columns, bytes.size())));
        by_peak.emplace_back(peak, i);
        largest_peak = std::max(largest_peak, peak);
    }
    const std::int64_t sliver = std::max<std::int64_t>(1024, largest_peak / 10000);
    std::erase_if(by_peak, [&](const auto& entry) { return entry.first < sliver; });
    std::sort(by_peak.begin(), by_peak.end(), std::greater<>());
    if (by_peak.size() > kMaxJudgedSites) by_peak.resize(kMaxJudgedSites);

    std::vector<diagnosis::SiteInput> inputs;
    std::vector<std::size_t> site_of_input;
    inputs.reserve(by_peak.size());
    for (const auto& [peak, index] : by_peak) {
        const auto& bytes = grid.sites[index].live_bytes;
        diagnosis::SiteInput input;
        input.live_bytes.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(std::min(columns, bytes.size())));
        input.live_bytes.resize(columns, input.live_bytes.empty() ? 0.0 : input.live_bytes.back());
        inputs.push_back(std::move(input));
        site_of_input.push_back(index);
    }
    std::vector<double> events = events_on_grid(recording);
    if (!events.empty()) events.resize(columns);
    diagnosis::Options site_options = diagnosis_options;
    site_options.max_points = std::min<std::size_t>(site_options.max_points, 500);  // ~4x cheaper per site
    auto verdicts = diagnosis::diagnose_sites(grid_t, inputs, events, site_options);
    for (auto& verdict : verdicts) verdict.index = site_of_input[verdict.index];

    // Leaks first, then by steady growth, then by the most memory held at any time (a batch that
    // allocates 30 MB and frees it again matters more than 70 KB held since start-up).
    std::stable_sort(verdicts.begin(), verdicts.end(), [&](const auto& a, const auto& b) {
        if (a.diagnosis.leak != b.diagnosis.leak) return a.diagnosis.leak;
        if (a.diagnosis.steady_rate_bytes_per_s != b.diagnosis.steady_rate_bytes_per_s)
            return a.diagnosis.steady_rate_bytes_per_s > b.diagnosis.steady_rate_bytes_per_s;
        return peak_over_run[a.index] > peak_over_run[b.index];
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
        // Live at the end of the judged span: what the program held before its teardown freed it.
        report.live_bytes = series.live_bytes.empty() ? 0 : static_cast<double>(series.live_bytes[columns - 1]);
        report.peak_live_bytes = std::max(0.0, static_cast<double>(peak_over_run[verdict.index]));

        SiteName name = name_stack(recording, series.stack);
        report.process = name.process;
        report.function = std::move(name.function);
        report.file = std::move(name.file);
        report.line = name.line;
        report.module = std::move(name.module);
        report.frames = std::move(name.frames);
        reports.push_back(std::move(report));
    }
    return reports;
}

}  // namespace leakscope::analysis
