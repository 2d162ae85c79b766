#include "analysis/analysis.hpp"
#include "analysis/runtime_heap.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "analysis/heap_growth_without_sites.hpp"
#include "analysis/pymalloc_arenas.hpp"
#include "analysis/sampled_heap_readings.hpp"
#include "analysis/sampled_attribution.hpp"
#include "analysis/site_disambiguation.hpp"
#include "analysis/site_naming.hpp"
#include "analysis/sites_beside_a_flat_heap.hpp"
#include "analysis/sites_sharing_a_line.hpp"
#include "analysis/teardown.hpp"
#include "runtime/go_gc_trace.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/symbolizer.hpp"

namespace leakscope::analysis {
namespace {

/// A known gauge as the program's own memory: the tracker's tables live in the target, so its RSS,
/// anonymous memory and smaps' anonymous mappings count them, and they grow with every block the
/// program keeps (45–96 bytes per live allocation, plus the stacks). Left in, they make a leak of small
/// blocks look as though RSS outgrew the heap; those gauges have them taken out.
double program_bytes(const SamplePoint& s, std::uint64_t SamplePoint::*field) {
    const std::uint64_t value = s.*field;
    const bool counts_tracker_tables = field == &SamplePoint::rss || field == &SamplePoint::rss_max ||
                                       field == &SamplePoint::anon || field == &SamplePoint::smaps_anon_other ||
                                       field == &SamplePoint::vm_data;
    if (!counts_tracker_tables || !known(s.tracker_bytes)) return static_cast<double>(value);
    return static_cast<double>(value - std::min(value, s.tracker_bytes));
}

/// Before the tracker's first report its tables may already be in RSS, their size not known yet: the
/// samples before it count them and the ones after do not, a fall of the tracker's size (1.9 MB with
/// five threads' frame-walk slots) at the first report. arena_pipeline_flat's first sample, taken as
/// the tracker set up, read 4.43 MB against 3.32 MB at the next: no warm-up, and RSS's whole run judged
/// as growth. Each earlier sample is taken down by what it has above the first reported level, at most
/// the tracker's first reported size: the least that keeps the program from shrinking before the
/// report. A sample taken before the tracker allocated (1.6 MB, then 4.1 MB at the report) keeps its
/// value, and the warm-up between them stays the program's. `values` holds one value per sample.
void take_tracker_out_before_its_first_report(std::span<const SamplePoint> samples, std::vector<double>& values) {
    std::size_t first = 0;
    while (first < samples.size() && !known(samples[first].tracker_bytes)) ++first;
    if (first == 0 || first >= samples.size() || values.size() != samples.size()) return;
    const double reported = values[first];
    const auto tracker = static_cast<double>(samples[first].tracker_bytes);
    for (std::size_t i = 0; i < first; ++i) values[i] -= std::clamp(values[i] - reported, 0.0, tracker);
}

/// A gauge of the sample points at `at` as a series, or nullopt when any of them lacks it.
std::optional<diagnosis::Series> gauge_series(std::span<const SamplePoint> samples, std::span<const std::size_t> at,
                                              std::uint64_t SamplePoint::*field) {
    diagnosis::Series series;
    for (const std::size_t i : at) {
        const auto& s = samples[i];
        if (!known(s.*field)) return std::nullopt;
        series.t_s.push_back(s.t_s);
        series.value.push_back(program_bytes(s, field));
    }
    return series;
}

/// The allocator's figures on the heap's grid. They are read about once a second, so the heap's first
/// report often comes before the first reading: those leading samples take the first reading (no gain
/// is invented), rather than the whole run losing the allocator's evidence. A gap later on is a
/// recording without them (another allocator, an old tracker): none at all.
std::optional<diagnosis::Series> allocator_series(std::span<const SamplePoint> samples, std::span<const std::size_t> at,
                                                  std::uint64_t SamplePoint::*field) {
    std::size_t leading = 0;
    while (leading < at.size() && !known(samples[at[leading]].*field)) ++leading;
    if (leading == at.size()) return std::nullopt;
    std::optional<diagnosis::Series> series = gauge_series(samples, at.subspan(leading), field);
    if (!series) return std::nullopt;
    const double first = series->value.front();
    for (std::size_t k = leading; k-- > 0;) {
        series->t_s.insert(series->t_s.begin(), samples[at[k]].t_s);
        series->value.insert(series->value.begin(), first);
    }
    return series;
}

std::vector<std::size_t> all_indices(std::size_t count) {
    std::vector<std::size_t> at(count);
    for (std::size_t i = 0; i < count; ++i) at[i] = i;
    return at;
}

/// The samples the heap series is made of, or none when the heap cannot carry the verdict. The heap
/// is unknown for a moment when a tracked program exec's another (until the new one reports): those
/// few samples are left out. It is unknown from a lost stream on (Recording::tracking_lost): that
/// process still held memory nobody counted, so the heap is not judged at all, and RSS carries the
/// verdict. Likewise when it is unknown for long (a tracker that stopped reporting).
std::vector<std::size_t> heap_samples(const Recording& recording, std::span<const SamplePoint> samples) {
    if ((recording.info.attached && recording.info.tracker_mode == "off") || !recording.tracking_lost.empty()) return {};
    std::size_t first = 0;
    while (first < samples.size() && !known(samples[first].live_heap)) ++first;
    if (first == samples.size()) return {};
    // A tracker whose first report came after a third of the run watched too little of it.
    if (samples[first].t_s - samples.front().t_s > std::max(2.0, 0.33 * (samples.back().t_s - samples.front().t_s))) return {};
    std::vector<std::size_t> at;
    for (std::size_t i = first; i < samples.size(); ++i)
        if (known(samples[i].live_heap)) at.push_back(i);
    const std::size_t unknown = samples.size() - first - at.size();
    if (unknown * 10 > samples.size() - first) return {};
    return sampled_heap_readings(recording, samples, std::move(at));
}

/// glibc's tcache at most, per thread: 64 bins of 7 chunks, the chunks 32 to 1,040 bytes in steps of 16
/// (glibc 2.26 on; the defaults of its tunables).
constexpr double kGlibcTcacheBytesPerThread = 7.0 * (64 * 32 + 16 * (63 * 64 / 2));

/// What sampled tracking's heap (the allocator's in-use figure, see decide_heap_source in the tracker)
/// may count beyond the program's blocks: glibc's per-thread caches, for the most threads the run had.
/// jemalloc's caches are sized per size class at run time and not bounded here; a fully tracked heap is
/// exact.
double heap_cache_bytes(const Recording& recording, std::span<const SamplePoint> samples) {
    if (recording.info.tracker_mode != "sampled" || recording.info.allocator != "glibc") return 0;
    std::uint64_t threads = 1;
    for (const auto& s : samples) threads = std::max<std::uint64_t>(threads, s.threads);
    return static_cast<double>(threads) * kGlibcTcacheBytesPerThread;
}

/// The series the diagnosis needs, pulled out of the recording's sample points. The tracker's first
/// report comes about one interval after the target starts (later for an interpreter that loads a lot
/// first), so the heap may begin after RSS: RSS keeps the whole run, so a warm-up before the heap's
/// first report is still seen. For `attach` (never tracked; `watch --track` is attached and tracked),
/// or a tracker that reported only late, stopped, or lost a stream, RSS alone.
diagnosis::ProcessSeries process_series(const Recording& recording, std::size_t teardown) {
    const auto& all_samples = recording.samples;
    const std::span<const SamplePoint> samples(all_samples.data(), all_samples.size() - teardown);
    const std::vector<std::size_t> heap_at = heap_samples(recording, samples);
    const bool heap_known = !heap_at.empty();

    diagnosis::ProcessSeries series;
    diagnosis::Series heap, mapped, threads;
    bool any_events = false;
    for (const auto& s : samples) {
        series.rss.t_s.push_back(s.t_s);
        series.rss.value.push_back(program_bytes(s, &SamplePoint::rss));
        series.rss.value_max.push_back(program_bytes(s, &SamplePoint::rss_max));
        series.rss.events.push_back(static_cast<double>(s.events));
        threads.t_s.push_back(s.t_s);
        threads.value.push_back(static_cast<double>(s.threads));
        any_events = any_events || s.events > 0;
    }
    for (const std::size_t i : heap_at) {
        const auto& s = samples[i];
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
    if (!any_events) {
        series.rss.events.clear();
        heap.events.clear();
    }
    series.threads = std::move(threads);
    take_tracker_out_before_its_first_report(samples, series.rss.value);
    take_tracker_out_before_its_first_report(samples, series.rss.value_max);
    const std::vector<std::size_t> every = all_indices(samples.size());
    series.anon_rss = gauge_series(samples, every, &SamplePoint::anon);
    if (series.anon_rss) take_tracker_out_before_its_first_report(samples, series.anon_rss->value);
    series.file_rss = gauge_series(samples, every, &SamplePoint::file);
    series.vm_data = gauge_series(samples, every, &SamplePoint::vm_data);
    if (heap_known) {
        series.live_heap = std::move(heap);
        series.mapped = std::move(mapped);
        // The allocator's own figures (glibc or jemalloc), when the heap's span has them.
        series.allocator_footprint = allocator_series(samples, heap_at, &SamplePoint::allocator_footprint);
        series.allocator_free = allocator_series(samples, heap_at, &SamplePoint::allocator_free);
        if (!series.allocator_footprint || !series.allocator_free) {
            series.allocator_footprint.reset();
            series.allocator_free.reset();
        }
    }
    // smaps is read every few seconds: each category is a sparse series of the samples that have it.
    using Category = std::pair<std::string_view, std::uint64_t SamplePoint::*>;
    for (const auto& [name, field] : {Category{diagnosis::ProcessSeries::kThreadStacks, &SamplePoint::smaps_stacks},
                                      Category{"brk heap", &SamplePoint::smaps_brk_heap},
                                      Category{"other anonymous mappings", &SamplePoint::smaps_anon_other},
                                      Category{"file-backed mappings", &SamplePoint::smaps_file}}) {
        diagnosis::ProcessSeries::MappingSeries mapping{std::string(name), {}};
        for (const auto& s : samples) {
            if (!known(s.*field)) continue;
            mapping.series.t_s.push_back(s.t_s);
            mapping.series.value.push_back(program_bytes(s, field));
        }
        if (mapping.series.t_s.size() >= 2) series.rss_by_mapping.push_back(std::move(mapping));
    }
    diagnosis::Series unresident_stacks;
    for (const auto& s : samples) {
        if (!known(s.smaps_stacks_mapped) || !known(s.smaps_stacks)) continue;
        unresident_stacks.t_s.push_back(s.t_s);
        unresident_stacks.value.push_back(s.smaps_stacks_mapped > s.smaps_stacks ? static_cast<double>(s.smaps_stacks_mapped - s.smaps_stacks) : 0.0);
    }
    if (!unresident_stacks.t_s.empty()) series.unresident_stacks = std::move(unresident_stacks);
    // The JVM's own heap figures, when the tree runs one: the verdict may add a leak RSS cannot show yet.
    // A Go program's come from its gctrace lines (what each collection found live, to the mebibyte).
    series.runtime_heap = runtime_heap_for_diagnosis(samples);
    if (series.runtime_heap && recording.info.runtime == kGoRuntime) {
        series.runtime_heap->runtime = "Go runtime";
        series.runtime_heap->level_resolution_bytes = runtime::kGoTraceResolutionBytes;
        series.runtime_heap->collects_at_goal = true;
        // Figures that stopped while the run went on (several Go processes reporting on one stderr: the
        // recording's warning says so) are not judged: their levels end where the growth may begin.
        if (!known(samples.back().runtime_heap_used)) series.runtime_heap.reset();
    }
    series.unread_jvm = std::any_of(samples.begin(), samples.end(),
                                    [](const SamplePoint& p) { return known(p.runtime_unread_jvms) && p.runtime_unread_jvms > 0; });
    series.heap_cache_bytes = heap_cache_bytes(recording, samples);
    return series;
}

/// Whether the target is the runtime `is_it` names: by the command's file name, or by a tracked
/// process's modules (its library, for a program that embeds it).
template <typename NamePredicate>
bool target_runs(const Recording& recording, NamePredicate is_it) {
    if (!recording.info.command.empty() && is_it(symbols::short_file_name(recording.info.command.front()))) return true;
    return std::any_of(recording.modules.begin(), recording.modules.end(),
                       [&](const Module& m) { return is_it(symbols::short_file_name(m.path)); });
}

/// Whether the target runs V8 (node), whose collector gives memory back at each full collection: its
/// RSS climbs ahead of the collections and falls at them, so growth is judged across the falls. Or Go
/// (found in its ELF file when the run started, RunInfo::runtime), whose heap grows toward a goal twice
/// what is live before it collects: a bounded session store's RSS climbed 1.5 -> 12 MB at one pace in
/// 16 s with two collections, and read "Leak 2.26 GB/h" as a goroutine leak of the same shape did.
bool runs_releasing_collector(const Recording& recording) {
    return recording.info.runtime == kGoRuntime ||
           target_runs(recording, [](std::string_view name) { return name == "node" || name == "nodejs" || name.starts_with("libnode.so"); });
}

/// Memory a CPython target's tracked heap receives in pymalloc's arenas (1 MiB since Python 3.10), each
/// one block to the tracker: what grows steadily inside them reaches the heap in steps of that size.
double allocation_quantum(const Recording& recording) {
    constexpr double kPymallocArenaBytes = 1 << 20;
    const bool python = target_runs(recording, [](std::string_view name) { return name.starts_with("python") || name.starts_with("libpython"); });
    return python ? kPymallocArenaBytes : 0.0;
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

/// Sampling mode: each site's interval, from its live bytes and blocks at the end of the judged span.
void attach_sampled_intervals(const Recording& recording, double until_t_s, std::vector<SiteReport>& sites) {
    if (recording.info.tracker_mode != "sampled" || recording.info.sample_bytes == 0) return;
    const auto& t = recording.sites.t_s;
    const std::size_t columns = static_cast<std::size_t>(std::upper_bound(t.begin(), t.end(), until_t_s) - t.begin());
    if (columns == 0) return;
    for (auto& site : sites) {
        const auto& series = recording.sites.sites[site.series_index];
        if (series.live_count.size() < columns) continue;
        site.sampled = sampled_live_interval(site.live_bytes, static_cast<double>(series.live_count[columns - 1]),
                                             static_cast<double>(recording.info.sample_bytes));
    }
}

/// The growth view's remainder: every site of the grid not among the reported ones.
void count_sites_not_shown(const Recording& recording, Analysis& result) {
    std::set<std::size_t> shown;
    for (const auto& site : result.sites) {
        shown.insert(site.series_index);
        shown.insert(site.folded_series.begin(), site.folded_series.end());
    }
    const auto& grid = recording.sites.sites;
    for (std::size_t i = 0; i < grid.size(); ++i) {
        if (shown.count(i) || grid[i].live_bytes.empty() || grid[i].total_allocations == 0) continue;
        ++result.sites_not_shown;
        result.live_bytes_not_shown += static_cast<double>(std::max<std::int64_t>(grid[i].live_bytes.back(), 0));
    }
}

/// Each reported site's bytes at its process's exit, when that process ended during the run, and its
/// allocation totals up to that exit: the last snapshot may be an interval older, and a program that
/// exits right after a burst of allocations would lose the burst's counts.
void attach_exit_values(const Recording& recording, std::vector<SiteReport>& sites) {
    std::set<std::uint32_t> ended;
    for (const auto& exit : recording.exits) ended.insert(exit.process);
    std::map<StackId, const ExitSite*> at_exit;
    for (const auto& site : recording.exit_sites) at_exit[site.stack] = &site;
    for (auto& site : sites) {
        if (!ended.count(site.process)) continue;
        // A row standing for several call paths holds what all of them held.
        std::uint64_t allocations = 0, bytes = 0;
        double live = 0;
        std::vector<StackId> stacks{site.stack};
        stacks.insert(stacks.end(), site.folded_stacks.begin(), site.folded_stacks.end());
        for (const StackId stack : stacks) {
            const auto it = at_exit.find(stack);
            if (it == at_exit.end()) continue;
            live += static_cast<double>(it->second->live_bytes);
            allocations += it->second->total_allocations;
            bytes += it->second->total_bytes;
        }
        site.live_at_exit_bytes = live;
        site.total_allocations = std::max(site.total_allocations, allocations);
        site.total_bytes = std::max(site.total_bytes, bytes);
    }
}

}  // namespace

std::optional<Recording> with_symbols_from_module_map(const Recording& recording, const std::vector<std::string>& debug_dirs) {
    if (recording.stacks.empty() || !recording.symbols.empty() || recording.modules.empty()) return std::nullopt;
    Recording copy = recording;
    symbols::SymbolizerOptions symbolizer_options;
    if (!debug_dirs.empty()) symbolizer_options.debug_dirs = debug_dirs;
    symbols::Symbolizer symbolizer(symbolizer_options);
    symbolizer.add_modules(copy.modules);
    symbols::symbolize_recording(copy, symbolizer);
    for (const auto& warning : symbolizer.warnings()) copy.warnings.push_back(warning);
    return copy;
}

Analysis analyze(const Recording& given, const Options& options) {
    const std::optional<Recording> symbolized = with_symbols_from_module_map(given, options.debug_dirs);
    const Recording& recording = symbolized ? *symbolized : given;
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
    diagnosis_options.releases_by_collector = runs_releasing_collector(recording);
    diagnosis_options.allocation_quantum_bytes = allocation_quantum(recording);
    // The advice to track allocations is for runs that did not: a tracked run without a heap lost its stream
    // (`leakscope run -- env LD_PRELOAD=libjemalloc.so.2 ./prog`: "tracking lost ... its LD_PRELOAD is ...: set
    // your own preload outside leakscope instead") and its summary went on "Tracking allocations (`leakscope run`
    // without --no-track ...) would show whether the heap grows".
    diagnosis_options.heap_trackable = recording.info.runtime != kGoRuntime && recording.info.tracker_mode == "off";
    // The process and the sites are judged over the same span: without the teardown at the end.
    const std::size_t teardown = teardown_samples(recording);
    result.process = diagnosis::diagnose_process(process_series(recording, teardown), diagnosis_options);
    if (!result.process.limit_source.empty()) result.limit_source = result.process.limit_source;
    const std::size_t kept = samples.size() - teardown;
    double until_t_s = kept > 0 && kept < samples.size() ? samples[kept - 1].t_s : INFINITY;
    // Past a lost stream the sites of that process stand still at their last values: a flat tail the
    // sites never had. They are judged up to the loss.
    if (!recording.tracking_lost.empty()) {
        result.tracking_lost = recording.tracking_lost.front();
        until_t_s = std::min(until_t_s, result.tracking_lost->t_s);
    }
    diagnosis::Options site_options = diagnosis_options;
    site_options.releases_by_collector = false;  // sites are malloc'd blocks, not the collector's heap
    result.sites = diagnose_and_name_sites(recording, site_options, options, until_t_s);
    result.judged_until_s = until_t_s;
    result.unsampled_growth =
        attribute_sampled_growth(recording, result.process, until_t_s, diagnosis_options.allocation_quantum_bytes, result.sites);
    // Arenas first: a line that took arenas through two call paths is pymalloc's story, not that line's.
    result.arena_growth = judge_pymalloc_arenas_together(recording, until_t_s, diagnosis_options.allocation_quantum_bytes, site_options,
                                                         result.process, result.sites);
    judge_sites_sharing_a_line_together(recording, until_t_s, site_options, result.process, result.sites);
    undecide_heap_growth_no_site_carries(recording, until_t_s, result.sites, diagnosis_options.releases_by_collector, result.process);
    agree_sites_with_a_flat_heap(result.process, result.sites);
    tell_sites_apart(recording, result.sites);
    attach_sampled_intervals(recording, until_t_s, result.sites);
    count_sites_not_shown(recording, result);
    result.at_exit = exit_view(recording, options.max_sites);
    attach_exit_values(recording, result.sites);
    return result;
}

}  // namespace leakscope::analysis
