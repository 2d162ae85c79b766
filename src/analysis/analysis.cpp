#include "analysis/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "analysis/site_naming.hpp"

namespace leakscope::analysis {
namespace {

/// Samples at the very end that caught the target tearing down: a program that ends by itself frees
/// its caches in destructors as main returns, and a sample in that instant shows memory falling off a
/// cliff that steady state never had. At most the last two samples, only for a target that exited by
/// itself, only when they fall more than a quarter below the level just before them.
std::size_t teardown_samples(const Recording& recording) {
    const auto& samples = recording.samples;
    if (!recording.end || recording.end->reason != "exited" || samples.size() < 12) return 0;
    auto gauge = [](const SamplePoint& s) {
        return static_cast<double>(known(s.live_heap) ? s.live_heap + (known(s.mapped) ? s.mapped : 0) : s.rss);
    };
    std::vector<double> before;
    for (std::size_t i = samples.size() - 7; i < samples.size() - 2; ++i) before.push_back(gauge(samples[i]));
    std::nth_element(before.begin(), before.begin() + 2, before.end());
    const double level = before[2];
    std::size_t drop = 0;
    while (drop < 2 && gauge(samples[samples.size() - 1 - drop]) < 0.75 * level) ++drop;
    // Only a fall that reaches the end: a dip followed by a recovery is behaviour, not teardown.
    return drop;
}

/// The series the diagnosis needs, pulled out of the recording's sample points. The tracker's first
/// report comes about one interval after the target starts, so the first samples may lack the heap:
/// the series then begin at the first sample that has it (RSS too, so all share one time axis).
/// What a program allocates before that first report is its start-up, the level the run begins at.
/// For `attach` (never tracked), or a tracker that reported only late or stopped, RSS alone.
diagnosis::ProcessSeries process_series(const Recording& recording, std::size_t teardown) {
    const auto& all_samples = recording.samples;
    const std::span<const SamplePoint> samples(all_samples.data(), all_samples.size() - teardown);
    std::size_t first = 0;
    while (first < samples.size() && !known(samples[first].live_heap)) ++first;
    bool heap_known = first < samples.size() && !recording.info.attached;
    for (std::size_t i = first; i < samples.size(); ++i) heap_known = heap_known && known(samples[i].live_heap);
    if (heap_known && samples[first].t_s - samples.front().t_s > 2.0) heap_known = false;  // a late tracker
    if (!heap_known) first = 0;

    diagnosis::ProcessSeries series;
    diagnosis::Series heap, mapped;
    bool any_events = false;
    for (std::size_t i = first; i < samples.size(); ++i) {
        const auto& s = samples[i];
        series.rss.t_s.push_back(s.t_s);
        series.rss.value.push_back(static_cast<double>(s.rss));
        series.rss.value_max.push_back(static_cast<double>(s.rss_max));
        series.rss.events.push_back(static_cast<double>(s.events));
        any_events = any_events || s.events > 0;
        if (heap_known) {
            heap.t_s.push_back(s.t_s);
            // Tracked memory: the heap plus anonymous mappings (a leak through mmap is a leak too).
            const double mapped_bytes = known(s.mapped) ? static_cast<double>(s.mapped) : 0.0;
            const double heap_bytes = static_cast<double>(s.live_heap);
            const double heap_peak = known(s.live_heap_max) ? static_cast<double>(s.live_heap_max) : heap_bytes;
            heap.value.push_back(heap_bytes + mapped_bytes);
            heap.value_max.push_back(heap_peak + mapped_bytes);
            heap.events.push_back(static_cast<double>(s.events));
            mapped.t_s.push_back(s.t_s);
            mapped.value.push_back(mapped_bytes);
        }
    }
    if (!any_events) {
        series.rss.events.clear();
        heap.events.clear();
    }
    if (heap_known) {
        series.live_heap = std::move(heap);
        series.mapped = std::move(mapped);
    }
    return series;
}

/// The limit the projection runs against: --limit, then the cgroup's, then the machine's memory.
std::pair<std::optional<double>, std::string> choose_limit(const Recording& recording, const Options& options) {
    const auto& info = recording.info;
    if (options.limit_bytes) return {options.limit_bytes, "--limit"};
    if (info.user_limit_bytes) return {static_cast<double>(*info.user_limit_bytes), "--limit"};
    if (info.cgroup_limit_bytes) return {static_cast<double>(*info.cgroup_limit_bytes), "cgroup"};
    if (info.machine_memory_bytes) return {static_cast<double>(*info.machine_memory_bytes), "machine memory"};
    return {std::nullopt, ""};
}

}  // namespace

Analysis analyze(const Recording& recording, const Options& options) {
    Analysis result;
    const auto& samples = recording.samples;
    if (!samples.empty()) {
        result.duration_s = samples.back().t_s - samples.front().t_s;
        result.start_rss = static_cast<double>(samples.front().rss);
        result.end_rss = static_cast<double>(samples.back().rss);
        result.events = samples.back().events;
        for (const auto& s : samples) {
            result.samples += s.merged;
            result.max_processes = std::max(result.max_processes, s.processes);
            result.max_threads = std::max(result.max_threads, s.threads);
            result.peak_rss = std::max(result.peak_rss, static_cast<double>(std::max(s.rss_max, s.rss)));
        }
    }
    if (recording.end && recording.end->duration_s > result.duration_s) result.duration_s = recording.end->duration_s;
    if (recording.end) result.events = std::max(result.events, recording.end->events);

    diagnosis::Options diagnosis_options;
    std::tie(result.limit_bytes, result.limit_source) = choose_limit(recording, options);
    diagnosis_options.limit_bytes = result.limit_bytes;
    // The process and the sites are judged over the same span: without the teardown at the end.
    const std::size_t teardown = teardown_samples(recording);
    result.process = diagnosis::diagnose_process(process_series(recording, teardown), diagnosis_options);
    const std::size_t kept = samples.size() - teardown;
    const double until_t_s = kept > 0 && kept < samples.size() ? samples[kept - 1].t_s : INFINITY;
    result.sites = diagnose_and_name_sites(recording, diagnosis_options, options, until_t_s);
    return result;
}

}  // namespace leakscope::analysis
