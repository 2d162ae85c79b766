// diagnose_process: RSS plus, when the tracker ran, the live heap, mapped bytes and the allocator's
// own figures. The tracker's evidence may only add to what RSS says: the heap's verdict leads when
// the heap grows or RSS does not, and RSS growth the heap does not explain is explained from the
// allocator's figures when there are any (fragmentation, or pages of memory the allocator already
// held), and otherwise judged from RSS as growth outside the malloc heap — never "not a leak". A managed
// runtime's own heap figures (the JVM's) add a leak RSS cannot show yet (runtime_heap.hpp).
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

#include "diagnosis/classify.hpp"
#include "diagnosis/file_backed_teeth.hpp"
#include "diagnosis/go_heap_verdict.hpp"
#include "diagnosis/growth_beside_runtime_heap.hpp"
#include "diagnosis/imprecise_small_rise.hpp"
#include "diagnosis/mapped_ceiling.hpp"
#include "diagnosis/maximum_heap_projection.hpp"
#include "diagnosis/page_granular_growth.hpp"
#include "diagnosis/rss_decomposition.hpp"
#include "diagnosis/rss_explanation.hpp"
#include "diagnosis/runtime_heap.hpp"
#include "diagnosis/severity_projection.hpp"
#include "diagnosis/steady_pace.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis {
namespace {

void require_same_grid(const Series& part, const Series& reference, const char* name, const char* reference_name) {
    if (part.t_s.size() != reference.t_s.size())
        throw std::invalid_argument(std::string("diagnose_process: ") + name + " must be sampled at the same times as " + reference_name);
}

double front_or(const std::vector<double>& values, double fallback) { return values.empty() ? fallback : values.front(); }

// The limit is on RSS: a verdict of growth taken from another series gets RSS's projection, or, when
// RSS itself is not (yet) seen to grow, the verdict's rate projected from RSS's peaks. A verdict of no
// growth gets none: RSS's own climb beside it was explained as bounded or too small to decide anything
// (zstd filling its window: "No leak" beside "limit reached in 3 h 19 min; restart every 2 h 59 min").
void project_from_rss(Diagnosis& verdict, const detail::DetailedDiagnosis& rss, const Series& rss_series, bool growing) {
    verdict.limit_bytes = rss.diagnosis.limit_bytes;
    verdict.time_to_limit_s = growing ? rss.diagnosis.time_to_limit_s : std::nullopt;
    verdict.restart_interval_s = growing ? rss.diagnosis.restart_interval_s : std::nullopt;
    verdict.fraction_of_samples_near_limit = rss.diagnosis.fraction_of_samples_near_limit;
    if (!growing || verdict.time_to_limit_s || !verdict.limit_bytes || rss_series.value.empty()) return;
    const std::vector<double>& peaks = rss_series.value_max.empty() ? rss_series.value : rss_series.value_max;
    detail::PeakLine line;
    const std::size_t tail = std::max<std::size_t>(1, peaks.size() / 20);
    line.at_end = *std::max_element(peaks.end() - static_cast<std::ptrdiff_t>(tail), peaks.end());
    line.at_steady_start = detail::level_near(rss_series, verdict.warmup_end_s, 0.0);
    detail::project(verdict, true, line, front_or(rss_series.t_s, 0), peaks, verdict.limit_bytes);
}

// A verdict at another series' pace (the heap's decided trend, RSS's anonymous memory): RSS's own
// projection is at RSS's pace, so the verdict's rate is projected from RSS's peaks instead.
void project_at_own_pace_from_rss(Diagnosis& verdict, const detail::DetailedDiagnosis& rss, const Series& rss_series, bool growing) {
    detail::DetailedDiagnosis rss_level = rss;
    rss_level.diagnosis.time_to_limit_s.reset();
    rss_level.diagnosis.restart_interval_s.reset();
    project_from_rss(verdict, rss_level, rss_series, growing);
}

// Fragmentation is the allocator's doing, not the program's: it can hurt (the projection stays), but
// it is never graded as a leak would be; high only under sustained use near the limit.
Severity fragmentation_severity(const Diagnosis& d) {
    if (d.fraction_of_samples_near_limit >= 0.8) return Severity::high;
    if (d.time_to_limit_s && *d.time_to_limit_s < 7 * 86400.0) return Severity::medium;
    return Severity::low;
}

std::string gain_text(double bytes) {
    std::string text = bytes >= 0 ? "+" : "";
    return text += format_bytes(bytes);
}

// The live heap's series is the malloc'd blocks and the mappings the tracker follows together: a gain mostly
// in the mappings is said, or "the live heap holds +5.24 MB" stands beside a heap chart of blocks that stayed
// at 4.10 MB (py_usage_rollup_export_spikes, session 27: the gain was pymalloc's arenas, which Python maps
// itself).
std::string mapped_part_of_heap_gain(const ProcessSeries& series, double from_s, double heap_gain) {
    if (!series.mapped || series.mapped->t_s.empty() || !(heap_gain > 0)) return "";
    const double mapped_gain = detail::gain(*series.mapped, from_s, series.mapped->t_s.back());
    if (!(mapped_gain >= 0.5 * heap_gain)) return "";
    return fmt::format(", {} in memory the program mapped itself (mmap), not in malloc'd blocks",
                       mapped_gain >= 0.95 * heap_gain ? std::string("all of it") : format_bytes(mapped_gain) + " of it");
}

// A heap that grows at under this share of RSS's pace does not explain RSS's growth.
constexpr double kHeapShareOfRssGrowth = 0.25;
/// A heap climb of fewer of the allocator's chunks (Options::allocation_quantum_bytes) than this is too
/// coarse for its own line to give the pace.
constexpr double kQuantaInASmoothClimb = 3;
/// ... and RSS's interval must be this many times tighter than such a heap's for RSS to give the pace.
constexpr double kLooserIntervalFactor = 2;

std::string heap_also_grows(const detail::DetailedDiagnosis& heap) {
    if (!heap.growing) return "";
    return fmt::format(" The live heap itself grows too, far slower ({}): look at its sites.", format_rate(heap.diagnosis.steady_rate_bytes_per_s, true));
}

// A wait to outgrow the caches longer than this many times what was watched is no advice a person takes:
// py_numpy_scoring_batch_spikes (sampled) read "grew 144 B at 9 B/s, less than its per-thread caches can
// hold (480 kB) ... Watch at least 14 h 39 min more" after 16 s. Below it the wait stays within 20 runs.
constexpr double kSpansWorthWaiting = 20;

constexpr std::string_view kRssStayedFlat = "RSS stayed flat";
// RSS growing ever more slowly settles nothing here (a warm-up's sign as much as a leak's) and carries the
// verdict as a flat RSS does, but it grew: said so (persisted_query_plan_retire_leak, sampled, read "while
// RSS stayed flat" beside "RSS: growing 290 MB/h and slowing down").
constexpr std::string_view kRssGrewEverMoreSlowly = "RSS grew too, ever more slowly";
// A climb of RSS too few pages for RSS's own verdict to decide anything (page_granular_growth.hpp) proves no
// more than a flat one, and carries the verdict as one does: RSS's verdict then waits on its pages.
constexpr std::string_view kRssGrewAFewPages = "RSS grew by too few pages to decide anything";

/// The caches rule's figures for one heap: what the figure gained, what the caches hold, and what RSS did.
struct GrowthWithinCaches {
    double grown = 0;          ///< what the heap figure gained over its steady part
    double caches = 0;         ///< what the caches can hold (ProcessSeries::heap_cache_bytes)
    double watched_s = 0;      ///< its steady part
    double outgrown_in_s = 0;  ///< how much longer the growth at its pace takes to outgrow the caches
    std::string_view rss_did;  ///< what RSS did beside it, in words
    /// RSS stayed flat or only slowed down: its own verdict can carry the process's.
    bool rss_carries() const { return rss_did == kRssStayedFlat || rss_did == kRssGrewEverMoreSlowly || rss_did == kRssGrewAFewPages; }
};

// The heap figure grew by a sliver of what the caches hold, so little that only a wait of more than
// kSpansWorthWaiting runs would outgrow them: too small to tell with sampled tracking in a run this long.
// The heap's row says so and points to full tracking; its wait is as long again as was watched, which
// doubles the readings the pace test (climbs_at_a_steady_pace) has: a leak keeps its pace, caches
// filling level off.
// Beside RSS that stayed flat, RSS's verdict carries the process's (decided, or undecided with its own
// wait), as when the heap figure was read too seldom to judge (heap_read_too_seldom). A figure that moved
// by a sliver of what its caches alone can move it is flat at its own resolution, and the same figure not
// moving at all beside a flat RSS reads "no leak" (though caches draining could hide a leak as well);
// an undecided verdict promises that watching longer decides it, which no realistic wait does here. The
// tuning set's sampled runs that read so in session 19 were all flat programs (py_numpy_scoring_batch_
// spikes, burst_queue_spikes, py_telemetry_ingest_bursts_flat: 0.03%, 0.57% and 1.8% of their caches).
// RSS that grew only into memory mapped earlier carries no verdict for the heap (its own reads a leak the
// caches rule doubts). True when RSS carries the verdict.
bool too_small_within_the_caches(detail::DetailedDiagnosis& heap, ProcessDiagnosis& result, const GrowthWithinCaches& growth) {
    Diagnosis& d = heap.diagnosis;
    const std::string share = fmt::format("{:.2g}%", 100 * growth.grown / growth.caches);
    detail::make_undecided(d, growth.watched_s);
    d.summary = fmt::format("The allocator's in-use figure (sampled tracking's heap) grew {} at {}, {} of what its per-thread "
                            "caches can hold ({}; at this pace it would outgrow them in {}), while {}: too small to tell a leak "
                            "from the caches filling with sampled tracking in a run this long. Run with full tracking (without "
                            "--sample-bytes) for the exact heap, or watch at least {} more to see whether it keeps one pace.",
                            format_bytes(growth.grown), format_rate(d.steady_rate_bytes_per_s), share, format_bytes(growth.caches),
                            format_duration(growth.outgrown_in_s), growth.rss_did, format_duration(*d.watch_more_s));
    if (!growth.rss_carries()) return false;
    result.live_heap = d;
    result.verdict.summary += fmt::format(" The heap figure grew too little to judge under sampled tracking ({}, {} of what the "
                                          "allocator's per-thread caches can hold): RSS carries the verdict; full tracking gives "
                                          "the exact heap.",
                                          format_bytes(growth.grown), share);
    return true;
}

// Sampled mode's heap growing by less than the allocator's per-thread caches can hold, while RSS does
// not grow: the caches filling (a burst through new size classes, a thread's first requests) and a small
// leak inside the allocator's free memory look the same in that figure. Undecided until the growth
// outgrows the caches, or a fully tracked run shows the exact heap: burst_queue_spikes' sampled heap rose
// 40 kB in one step two seconds in (its exact heap, tracked, did not move) and read "Leak under periodic
// spikes: the baseline rises 36 B/s"; a Python ingest service's, 39 kB slowing down over 12 s.
// RSS growing too, its own trend still undecided, by half as much over the same time, is no cache filling:
// blocks the caches hold were resident already (geo_gateway_referer_leak, sampled: its heap figure and RSS
// both rose ~0.85 MB at 50 kB/s, and the leak read "caches filling while RSS stayed flat"). A page or two
// of RSS's noise is not that growth: RSS's own verdict must have seen growth, of 32 pages at least, what
// RSS needs to decide anything (page_granular_growth.hpp).
// Nor does RSS that grows only into memory the process mapped earlier (its private writable mappings
// flat) prove more than the caches do: an allocator touching the free memory it holds looks the same
// (order_book_churn_flat, sampled: RSS crept 3.1 kB/s with 8.7 MB mapped and not yet resident, the heap
// figure 42 kB within the caches, and the two together read "Leak: 12.5 MB/h").
// Past kSpansWorthWaiting spans of what was watched, the wait for that is no advice: the growth is too
// small for sampled tracking to tell in a run this long (too_small_within_the_caches).
// True when RSS then carries the verdict.
bool within_allocator_caches(detail::DetailedDiagnosis& heap, ProcessDiagnosis& result, const detail::DetailedDiagnosis& rss,
                             const ProcessSeries& series) {
    // Growth the heap's own rules left undecided (a warm-up's tail or slowing down, not too few releases)
    // is growth the caches may hold all the same: py_numpy_scoring_batch_spikes' sampled heap grew 209 B
    // at 13 B/s after a 5.5 MB warm-up and read "watch at least 50 min more" beside RSS's flat batches.
    const bool undecided_growth = !heap.diagnosis.decided && heap.diagnosis.steady_rate_bytes_per_s > 0 &&
                                  heap.diagnosis.watch_more_s && !heap.facts.releases_undecided;
    if (!(heap.growing || undecided_growth) || series.heap_cache_bytes <= 0 || !series.live_heap) return false;
    Diagnosis& d = heap.diagnosis;
    const double from_s = d.onset_s.value_or(d.warmup_end_s);
    const double to_s = series.live_heap->t_s.back();
    const double grown = d.steady_rate_bytes_per_s * (to_s - from_s);
    if (!(grown < series.heap_cache_bytes) || !(d.steady_rate_bytes_per_s > 0)) return false;
    // A cache fills in bursts as its threads free blocks of sizes it has room for, and levels off; a leak
    // keeps its pace. The figure climbing along one line, reading after reading, is the leak's: a trace
    // logger registry keeping 20 kB/s on a 48 MB heap read R² 1.00 over 94 readings, where the flat
    // programs the caches explain read 0.14-0.69 (order_book_churn_flat, c_edge_response_cache_lru_flat,
    // perl_session_store_churn_flat, sampled).
    if (detail::climbs_at_a_steady_pace(*series.live_heap, from_s, to_s)) return false;
    // What RSS did beside it, said as it was (a decided climb into mapped memory is no "flat" RSS).
    std::string_view rss_did = kRssStayedFlat;
    const double rss_from_s = rss.diagnosis.onset_s.value_or(rss.diagnosis.warmup_end_s);
    if (rss.growing) {
        // Nor do a few pages of RSS: order_book_churn_flat, sampled (session 28), RSS +43 kB (10 pages) at
        // 2.5 kB/s beside the heap figure's 50 kB within 720 kB of caches read "Leak: steady growth of
        // 13.0 MB/h (95% CI 2.23 to 22.3 MB/h)", where RSS's own row said those pages were too few to tell.
        if (detail::growth_into_mapped_memory(series, rss_from_s, series.rss.t_s.back(), rss.diagnosis.limit_bytes))
            rss_did = "RSS grew only into memory the process had mapped earlier";
        else if (!detail::enough_pages_to_decide(detail::gain(series.rss, rss_from_s, series.rss.t_s.back())))
            rss_did = kRssGrewAFewPages;
        else
            return false;
    } else if (!rss.diagnosis.decided && rss.facts.slowing_from_rate) {
        rss_did = kRssGrewEverMoreSlowly;
    } else if (!rss.diagnosis.decided && rss.diagnosis.steady_rate_bytes_per_s > 0) {
        // (RSS growth slowing down is a warm-up's sign as much as a leak's: it settles nothing here.)
        // Over RSS's own steady part: its warm-up, within the heap's span when the heap had none, is no
        // growth beside the heap's (burst_queue_spikes: 15 MB of it counted against the heap's 27 kB).
        const double span_from_s = std::max(from_s, rss_from_s);
        const double rss_gain = detail::gain(series.rss, span_from_s, to_s);
        if (rss_gain >= 0.5 * d.steady_rate_bytes_per_s * (to_s - span_from_s) &&
            detail::enough_pages_to_decide(rss_gain)) {
            // As for a decided climb: into memory mapped earlier it proves no more than the caches do.
            if (!detail::growth_into_mapped_memory(series, rss_from_s, series.rss.t_s.back(), rss.diagnosis.limit_bytes)) return false;
            rss_did = "RSS grew only into memory the process had mapped earlier";
        }
    }
    heap.growing = false;
    const GrowthWithinCaches growth{grown, series.heap_cache_bytes, to_s - from_s,
                                    series.heap_cache_bytes / d.steady_rate_bytes_per_s - (to_s - from_s), rss_did};
    if (growth.outgrown_in_s > kSpansWorthWaiting * growth.watched_s) return too_small_within_the_caches(heap, result, growth);
    // Until the growth at this pace has outgrown what the caches can hold.
    detail::make_undecided(d, growth.outgrown_in_s);
    d.summary = fmt::format("The allocator's in-use figure (sampled tracking's heap) grew {} at {}, less than its per-thread "
                            "caches can hold ({}), while {}: too little to tell a leak from the caches filling. "
                            "Watch at least {} more, or run with full tracking for the exact heap.",
                            format_bytes(grown), format_rate(d.steady_rate_bytes_per_s), format_bytes(series.heap_cache_bytes),
                            rss_did, format_duration(*d.watch_more_s));
    return false;
}

// A trend of the heap needs this many readings of it in the latter half of its steady part (where a
// dense series at the usual 10 samples a second has them within a second).
constexpr std::size_t kFewestLateHeapReadings = 5;

// A heap whose own verdict waits (decided = false) on a climb its interval proves, at no less than
// kHeapShareOfRssGrowth of RSS's pace: it may hold RSS's growth, and until it is decided nothing says it
// does not.
bool heap_climb_left_undecided(const detail::DetailedDiagnosis& heap, const detail::DetailedDiagnosis& rss) {
    const Diagnosis& d = heap.diagnosis;
    return !d.decided && d.watch_more_s && d.rate_ci_low_bytes_per_s > 0 &&
           d.steady_rate_bytes_per_s >= kHeapShareOfRssGrowth * rss.diagnosis.steady_rate_bytes_per_s;
}

/// The heap's readings in the latter half of its steady part, and how far apart they came: fewer than
/// kFewestLateHeapReadings show no trend, rising or flat (heap_read_too_seldom below, and "fragmentation"
/// in diagnose_native).
struct LateHeapReadings {
    std::size_t count = 0;
    double spacing_s = 0;
    bool too_few() const { return count < kFewestLateHeapReadings; }
};

LateHeapReadings late_heap_readings(const detail::DetailedDiagnosis& heap, const Series& live_heap) {
    if (live_heap.t_s.empty()) return {};
    const double steady_from_s = std::max(live_heap.t_s.front(), heap.diagnosis.onset_s.value_or(heap.diagnosis.warmup_end_s));
    const double late_from_s = 0.5 * (steady_from_s + live_heap.t_s.back());
    const auto first = std::lower_bound(live_heap.t_s.begin(), live_heap.t_s.end(), late_from_s);
    LateHeapReadings late;
    late.count = static_cast<std::size_t>(live_heap.t_s.end() - first);
    late.spacing_s = (live_heap.t_s.back() - late_from_s) / static_cast<double>(std::max<std::size_t>(late.count, 1));
    return late;
}

// Sampled tracking's heap figure read so seldom (a slow mallinfo2 is spaced out, analysis keeps only the
// samples that carry a new reading) that the growth it shows rests on a handful of readings: a sawtooth
// faster than the reads aliases into a slow climb (perl_access_log_shipper_sawtooth, sampled: five
// readings 4 s apart over a 2 s flush cycle, each a little further into the tooth, "Leak: grows in 4
// steps ... 440 MB/h" while RSS stayed flat). The latter half of the steady part is counted, so that
// dense readings during a warm-up the fit did not separate count for nothing. That heap judges nothing;
// RSS carries the verdict, and the heap's row says how long its reads need to become a trend. True when
// it did so.
bool heap_read_too_seldom(detail::DetailedDiagnosis& heap, ProcessDiagnosis& result, const Series& live_heap) {
    if (!heap.growing || live_heap.t_s.size() < 2) return false;
    const LateHeapReadings late = late_heap_readings(heap, live_heap);
    if (!late.too_few()) return false;
    heap.growing = false;
    Diagnosis& d = heap.diagnosis;
    detail::make_undecided(d, 2 * late.spacing_s * static_cast<double>(kFewestLateHeapReadings - late.count));
    d.summary = fmt::format("The allocator's in-use figure (sampled tracking's heap) was read only {} times in the latter half "
                            "of its steady part, "
                            "{} apart (reads that are slow on this heap are spaced out): too few to show a trend, and "
                            "a cycle faster than the reads would look like growth. Watch at least {} more.",
                            late.count, format_duration(late.spacing_s), format_duration(*d.watch_more_s));
    result.live_heap = d;
    result.verdict.summary += fmt::format(" The heap figure was read too seldom to judge ({} readings in the latter half "
                                          "of its steady part): "
                                          "RSS carries the verdict.",
                                          late.count);
    return true;
}

// A leak judged from RSS alone says where RSS grew, from the process's own parts (smaps, threads), as the
// tracked verdict does for growth outside the heap: a log written through a shared file mapping read
// "Leak: steady growth of 720 MB/h ... critical" with 15.4 of its 16.3 MB in file-backed pages and never
// said so (session 18's real-program trial). (Whether such pages can be dropped is not told here: a
// file on /dev/shm is a file-backed mapping too, and its pages stay.)
void say_where_rss_grew(ProcessDiagnosis& result, const ProcessSeries& series) {
    Diagnosis& verdict = result.verdict;
    if (!verdict.leak || !verdict.decided || series.rss.t_s.size() < 2) return;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double to_s = series.rss.t_s.back();
    const double rss_gain = detail::gain(series.rss, from_s, to_s);
    if (!(rss_gain > 0)) return;
    const std::string where = detail::where_rss_grew(series, from_s, to_s, rss_gain);
    if (where.empty()) return;
    result.rss_growth_where = where;
    verdict.summary += fmt::format(" RSS grew in: {}.", where);
}

// RSS (diagnosed once, by the caller), the live heap and the allocator's figures (the runtime heap's
// evidence is added after).
ProcessDiagnosis diagnose_native(const ProcessSeries& series, const detail::DetailedDiagnosis& rss, const Options& options) {
    ProcessDiagnosis result;
    result.rss = rss.diagnosis;
    result.verdict = rss.diagnosis;
    result.metric = "rss";
    if (!series.live_heap) {
        if (const auto anon = detail::anon_without_file_backed_teeth(series, rss, options)) {
            Diagnosis verdict = anon->diagnosis;
            project_at_own_pace_from_rss(verdict, rss, series.rss, anon->growing);
            if (anon->growing) verdict.summary = detail::summarize(verdict, anon->facts);
            verdict.summary = detail::kFileBackedTeethSentence + verdict.summary;
            result.verdict = std::move(verdict);
        }
        say_where_rss_grew(result, series);
        return result;
    }
    if (series.mapped) require_same_grid(*series.mapped, *series.live_heap, "mapped", "live_heap");
    if (series.allocator_footprint) require_same_grid(*series.allocator_footprint, *series.live_heap, "allocator_footprint", "live_heap");
    if (series.allocator_free) require_same_grid(*series.allocator_free, *series.live_heap, "allocator_free", "live_heap");
    for (const auto* part : {&series.threads, &series.anon_rss, &series.file_rss, &series.vm_data})
        if (*part) require_same_grid(**part, series.rss, "threads/anon_rss/file_rss/vm_data", "rss");

    // The heap has no limit of its own: the limit applies to RSS, so the projection comes from RSS.
    Options heap_options = options;
    heap_options.limit_bytes.reset();
    // V8 keeps part of what its collector frees in malloc (ArrayBuffer backing stores, its aligned
    // allocations): that part of the live heap too grows ahead of the collections.
    detail::DetailedDiagnosis heap = detail::diagnose_detailed(*series.live_heap, heap_options);
    if (within_allocator_caches(heap, result, rss, series)) return result;
    result.live_heap = heap.diagnosis;
    if (heap_read_too_seldom(heap, result, *series.live_heap)) return result;
    if (heap.diagnosis.pattern == Pattern::insufficient_data) return result;

    result.decomposition = detail::decompose_rss(series, rss.diagnosis, options.confidence_level);

    // RSS grows between a collector's releases, too few of them yet to compare the lows, and the heap
    // explains none of it: the runtime's own heap, undecided until more collections are seen. Only where
    // a collector releases memory (Go, node): a native program has no runtime's heap to grow, and lows of
    // RSS that climb unproven over a heap decided flat are judged below with every other RSS trend too weak
    // to stand (c_scrape_parser_pool_flat, sampled: RSS +0.5 MB over 12 s in teeth of noise, the allocator's
    // in-use figure flat at 3.4-3.7 MB, read "... the growth is in the runtime's own heap" of a C program).
    if (rss.facts.releases_undecided && rss.facts.collected_heap && !heap.growing) {
        result.verdict = rss.diagnosis;
        // Only a heap that grows is said to grow: a cgo Go program's flat malloc heap (0 B/s) read "The live
        // heap grows 0 B/s too, ahead of the collections as well (V8 keeps ...)".
        const bool heap_grows_too = heap.facts.releases_undecided && heap.facts.significant && heap.diagnosis.steady_rate_bytes_per_s > 0;
        result.verdict.summary += heap_grows_too
                                      ? fmt::format(" The live heap grows {} too, ahead of the collections as well (a collected "
                                                    "runtime frees the native buffers its objects own when it collects them, as "
                                                    "V8 does its ArrayBuffers' backing stores).",
                                                    format_rate(heap.diagnosis.steady_rate_bytes_per_s))
                                      : std::string(" The live heap does not grow: the growth is in the runtime's own heap.");
        return result;
    }

    Diagnosis verdict = heap.diagnosis;
    result.metric = "live_heap";
    if (series.mapped && !series.live_heap->t_s.empty()) {
        const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s), to_s = series.live_heap->t_s.back();
        const double total = detail::gain(*series.live_heap, from_s, to_s);
        if (total > 0) result.mapped_share_of_gain = std::clamp(detail::gain(*series.mapped, from_s, to_s) / total, 0.0, 1.0);
    }
    // The warm-up a person sees is the process's: a heap series that began after RSS (the tracker's
    // first report came late) misses its start, and a JIT's code and a runtime's own arenas are not
    // malloc'd blocks. When neither grows, the larger one-time growth of RSS is the warm-up.
    const bool heap_started_late = front_or(series.live_heap->t_s, 0) > front_or(series.rss.t_s, 0) + 0.5;
    const bool rss_warmup_larger = rss.diagnosis.warmup_bytes > (heap_started_late ? 1.0 : 1.5) * verdict.warmup_bytes;
    // A settling fit whose warm-up ends in the run's last twentieth has not levelled off within it.
    const bool rss_still_settling = rss.diagnosis.settling_toward_bytes && !series.rss.t_s.empty() &&
                                    rss.diagnosis.warmup_end_s >= series.rss.t_s.back() - 0.05 * (series.rss.t_s.back() - series.rss.t_s.front());
    if (rss_warmup_larger && !heap.growing && !rss.growing && verdict.decided && rss.diagnosis.pattern == Pattern::warmup_plateau &&
        rss_still_settling) {
        // RSS's warm-up has not ended: the heap's own story, and where RSS is headed (numpy frames in a ring
        // under sampled tracking: the heap flat from 6.7 s, RSS settling toward 138 MB to the end, and the
        // summary read "One-time warm-up of 132 MB in the first 16.1 s, then flat").
        verdict.summary += fmt::format(" RSS is still settling: +{} so far, slowing down toward about {}.",
                                       format_bytes(rss.facts.settled_so_far_bytes), format_bytes(*rss.diagnosis.settling_toward_bytes));
    } else if (rss_warmup_larger && !heap.growing && !rss.growing && verdict.decided && rss.diagnosis.pattern == Pattern::warmup_plateau) {
        verdict.warmup_bytes = rss.diagnosis.warmup_bytes;
        verdict.warmup_end_s = std::max(verdict.warmup_end_s, rss.diagnosis.warmup_end_s);
        if (verdict.pattern == Pattern::stable) verdict.pattern = Pattern::warmup_plateau;
        detail::SummaryFacts facts = heap.facts;
        facts.start_t_s = front_or(series.rss.t_s, facts.start_t_s);
        facts.warmup_mostly_by_s = rss.facts.warmup_mostly_by_s;
        facts.warmup_of_rss = true;
        verdict.summary = detail::summarize(verdict, facts);
        result.warmup_metric = "rss";
    }

    // RSS growth the heap does not explain: it does not grow, or it grows at a fraction of RSS's pace
    // (a few pinned objects while the arenas swell by megabytes).
    const double rss_steady_from_s = rss.diagnosis.onset_s.value_or(rss.diagnosis.warmup_end_s);
    // A heap climb of a few of the allocator's own chunks measures its pace only roughly: CPython's pymalloc
    // maps 1 MiB arenas, and a slow leak of small objects takes one every ten seconds or so, where a line
    // through two steps runs well below the pace (py_sync_job_logger_name_leak, a logger kept per job: the
    // heap 25 kB/s, 95% CI 8.4 to 166, through two arenas in 16 s; RSS filling their pages at 99 kB/s, 95 to
    // 102; the program's 97). RSS's own decided leak, inside the heap's interval and far tighter, measures
    // it then, as for a container doubling its capacity (heap_in_steps below). A heap whose steps still give
    // a tight pace keeps it (sampled tracking of a Python export: 588 MB/h on the heap where the program
    // leaks 576, RSS 737).
    const Diagnosis& heap_d = heap.diagnosis;
    const Diagnosis& rss_d = rss.diagnosis;
    const bool heap_climb_of_few_quanta =
        options.allocation_quantum_bytes > 0 && rss_d.decided && rss_d.leak && !series.live_heap->t_s.empty() &&
        detail::gain(*series.live_heap, rss_steady_from_s, series.live_heap->t_s.back()) < kQuantaInASmoothClimb * options.allocation_quantum_bytes &&
        rss_d.steady_rate_bytes_per_s >= heap_d.rate_ci_low_bytes_per_s && rss_d.steady_rate_bytes_per_s <= heap_d.rate_ci_high_bytes_per_s &&
        heap_d.rate_ci_high_bytes_per_s - heap_d.rate_ci_low_bytes_per_s >
            kLooserIntervalFactor * (rss_d.rate_ci_high_bytes_per_s - rss_d.rate_ci_low_bytes_per_s);
    const bool heap_explains = heap.growing && !heap_climb_of_few_quanta &&
                               heap_d.steady_rate_bytes_per_s >= kHeapShareOfRssGrowth * rss_d.steady_rate_bytes_per_s;
    // RSS growth that slows down (undecided between a settling warm-up and a slow leak) is growth all the
    // same: where it goes is explained as for any other, and the allocator keeping it decides it.
    // Nor is a dozen pages any growth to explain (page_granular_growth.hpp): a flat service's eight
    // arenas settling read "Fragmentation: RSS grows 12.3 MB/h" on 57 kB (14 pages) over 14 s.
    const bool rss_gained_pages =
        series.rss.t_s.empty() || detail::enough_pages_to_decide(detail::gain(series.rss, rss_steady_from_s, series.rss.t_s.back()));
    const bool rss_grows = (rss.growing || rss.facts.slowing_from_rate.has_value()) && rss_gained_pages;
    // RSS's growth is the heap's, whose own decided trend then gives the rate (heap_in_steps below).
    bool heap_verdict_stands = false;
    std::optional<double> rss_ceiling;  // RSS growing into memory already held: where it stops
    if (rss_grows && !heap_explains) {
        // Over steady state for both: the heap's one-time warm-up explains nothing about growth after it.
        // A "warm-up" of the heap that lasts well into RSS's growth is no such thing: a container doubling
        // its capacity rises in steps whose last one always falls in the second half of any run, and RSS
        // fills each new buffer page by page in the meantime.
        const double rss_from_s = rss.diagnosis.onset_s.value_or(rss.diagnosis.warmup_end_s);
        const double rss_window_s = series.rss.t_s.back() - rss_from_s;
        const bool heap_warmup_early = heap.diagnosis.warmup_bytes > 0 && heap.diagnosis.warmup_end_s <= rss_from_s + rss_window_s / 3;
        const double from_s = std::max(rss_from_s, heap_warmup_early ? heap.diagnosis.warmup_end_s : -INFINITY);
        const detail::RssExplanation why = detail::explain_rss_growth(series, from_s, series.rss.t_s.back(), rss_from_s);
        result.rss_growth = why.growth;
        result.rss_growth_where = why.where;
        switch (why.growth) {
            case RssGrowth::none:
            case RssGrowth::into_mapped:  // decided from VmData by diagnose_process, never explained here
                break;
            case RssGrowth::heap_in_steps: {
                // RSS only slowing down (a settling warm-up or a slow leak, undecided) over a heap whose own
                // fit proves it settling: the heap holds that growth and has decided it (decelerating_warmup
                // under load, 1 run in 6: "Growing 43.8 MB/h and slowing down ... watch 1 min more" where the
                // heap read "settling toward about 24.4 MB").
                if (!rss.growing && heap.facts.settling && heap.diagnosis.decided && !heap.diagnosis.leak) break;
                // Nor are they when the heap's own climb is decided and smooth: it holds RSS's gain and measures
                // its pace, where RSS's fit may read a tree's other memory into it. A bash script keeping ids in
                // an associative array while it runs a command every 50 ms: the tree's RSS a sawtooth of its
                // children whose lows drift with where each sample caught them ("Leak under a sawtooth ... the
                // floor rises 1.90 GB/h"), the heap a straight 383 MB/h, the program's 110 kB/s.
                // Unless that climb is a few of the allocator's chunks (heap_climb_of_few_quanta).
                if (heap.growing && heap.diagnosis.decided && heap.diagnosis.pattern == Pattern::linear_growth && !heap_climb_of_few_quanta) {
                    heap_verdict_stands = true;
                    break;
                }
                // The heap holds the growth but in steps too coarse for its own trend (a container
                // doubling its capacity): RSS measures the rate, the heap says where it is.
                verdict = rss.diagnosis;
                result.metric = "rss";
                // Or the heap's own trend is still undecided (a late onset, a short window) where RSS's is
                // not: what it gained holds the growth all the same.
                verdict.summary += fmt::format(" The live heap holds it: {} over the same time, {}{}.", gain_text(why.heap_gain),
                                               heap.diagnosis.decided ? "in steps" : "its own trend not decided yet",
                                               mapped_part_of_heap_gain(series, from_s, why.heap_gain));
                break;
            }
            case RssGrowth::allocator_retains: {
                // "The live heap stays flat" needs a heap that was shown not to take the growth. One left
                // undecided on a significant climb at a good part of RSS's pace (sampled tracking's figure
                // within what the allocator's caches hold) has not been: its own wait stands.
                // persisted_query_plan_retire_leak (a 40 kB/s leak), sampled, read "Fragmentation: RSS grows
                // 290 MB/h while the live heap stays flat (+229 MB/h) ... not a leak in the program", its
                // heap figure +749 kB at 229 MB/h (95% CI 206 to 267 MB/h) left undecided by the caches rule.
                if (heap_climb_left_undecided(heap, rss)) {
                    verdict = heap.diagnosis;
                    result.metric = "live_heap";
                    break;
                }
                // Nor has a heap read too seldom to show a trend, flat or not (heap_read_too_seldom: a cycle
                // faster than the reads aliases into any pace). audit_history_trim_trace_link_leak, sampled
                // (84 kB/s leaking under 16 MB teeth every 2.5 s): its slow mallinfo2 spaced out, five readings
                // after the warm-up, three in the latter half, the heap "flat" at -1.03 GB/h (95% CI -69.3
                // GB/h to 5.71 GB/h) and the allocator's free figure caught higher in a tooth at the end than at
                // the start: "Fragmentation ... not a leak in the program" beside RSS's 565 MB/h leak. RSS
                // judges; the heap's figure adds nothing either way.
                if (const LateHeapReadings late = late_heap_readings(heap, *series.live_heap);
                    !series.live_heap->t_s.empty() && late.too_few()) {
                    verdict = rss.diagnosis;
                    result.metric = "rss";
                    verdict.summary += fmt::format(" The heap figure was read too seldom to say whether the heap holds this growth: "
                                                   "{} readings in the latter half of its steady part, {} apart, its pace {}.",
                                                   late.count, format_duration(late.spacing_s),
                                                   detail::rate_with_interval(heap.diagnosis));
                    break;
                }
                verdict = rss.diagnosis;
                verdict.pattern = Pattern::fragmentation;
                verdict.leak = false;
                // The allocator's figures decide it, slowing or not: no leak to wait for.
                verdict.decided = true;
                verdict.watch_more_s.reset();
                verdict.severity = fragmentation_severity(verdict);
                detail::SummaryFacts facts = rss.facts;
                facts.live_heap_rate = heap.diagnosis.steady_rate_bytes_per_s;
                verdict.summary = detail::summarize(verdict, facts) +
                                  fmt::format(" The allocator's free-but-kept memory grew {} and its footprint {}.",
                                              gain_text(why.allocator_free_gain), gain_text(why.allocator_footprint_gain)) +
                                  heap_also_grows(heap);
                result.metric = "rss";
                break;
            }
            case RssGrowth::in_allocator:
                // RSS judges it; the allocator's footprint says where it is, not which part of it.
                verdict = rss.diagnosis;
                result.metric = "rss";
                verdict.summary += fmt::format(" RSS grew in the malloc heap: the allocator's footprint {} over the same time, its "
                                               "live and free parts rising and falling with the program's batches.",
                                               gain_text(why.allocator_footprint_gain));
                break;
            case RssGrowth::within_allocator:
                rss_ceiling = detail::level_near(series.rss, from_s, 0.05 * rss_window_s) + why.room;
                verdict.summary += fmt::format(" RSS rose {} into memory the program already held (the allocator's free space, or "
                                               "blocks allocated earlier and written only now; its footprint did not grow): "
                                               "bounded by it, at about {}.",
                                               gain_text(why.rss_gain), format_bytes(*rss_ceiling));
                break;
            case RssGrowth::outside_heap:
                verdict = rss.diagnosis;
                result.metric = "rss";
                // A heap with no trend can still end the window higher than it began (a sawtooth caught near
                // a tooth's top: "does not grow (+13.9 MB)" read as a contradiction): said as what it is.
                if (heap.growing)
                    verdict.summary += fmt::format(" The live heap explains little of it ({}): ", gain_text(why.heap_gain));
                else if (why.heap_gain > 0)
                    verdict.summary += fmt::format(" The live heap has no trend (it rose and fell; {} between the window's ends): ",
                                                   gain_text(why.heap_gain));
                else
                    verdict.summary += fmt::format(" The live heap does not grow ({}): ", gain_text(why.heap_gain));
                // Growth that only the brk heap (glibc's main arena) holds is in the allocator's memory, but
                // not in blocks the tracker counts as live: "outside the malloc heap — brk heap" said both.
                if (why.where.starts_with("brk heap") && why.where.find(", ") == std::string::npos)
                    verdict.summary += fmt::format("RSS grew in glibc's main arena ({}) beyond the live blocks, memory the "
                                                   "allocator holds without the tracker's figures to say which.",
                                                   why.where);
                else
                    verdict.summary += fmt::format("the growth is outside the malloc heap{}.", why.where.empty() ? "" : " — " + why.where);
                break;
        }
        if (why.growth != RssGrowth::within_allocator && !heap_verdict_stands) {
            result.verdict = verdict;
            return result;
        }
    }
    if (heap_verdict_stands) {
        // RSS's own projection is at RSS's pace, which the heap's decided trend replaces: the heap's rate
        // projected from RSS's peaks.
        project_at_own_pace_from_rss(verdict, rss, series.rss, true);
    } else {
        project_from_rss(verdict, rss, series.rss, heap.growing);
    }
    // Bounded, but above the limit: RSS reaches the limit on its way there (no restart helps a plateau).
    if (!heap.growing && rss_ceiling && verdict.limit_bytes && *rss_ceiling > *verdict.limit_bytes && rss.diagnosis.time_to_limit_s) {
        verdict.time_to_limit_s = rss.diagnosis.time_to_limit_s;
        verdict.severity = detail::grade(verdict, false, 0);
        verdict.summary += fmt::format(" That is above the {} limit, which RSS reaches at its pace in {}.", format_bytes(*verdict.limit_bytes),
                                       format_duration(*verdict.time_to_limit_s));
    }
    // Graded against the process's size, which the limit applies to: a JVM's malloc heap of 1 MB growing
    // 2.39 kB/s inside 155 MB of RSS read "critical" with 121.8 days to the limit.
    if (heap.growing) verdict.severity = detail::grade(verdict, true, std::max(heap.facts.level_bytes, rss.facts.level_bytes));
    // RSS's own severity counts (sustained use near the limit) unless it grades growth the heap and the
    // allocator have explained away.
    if (static_cast<int>(rss.diagnosis.severity) > static_cast<int>(verdict.severity) && !(rss.growing && !heap.growing))
        verdict.severity = rss.diagnosis.severity;
    if (heap.growing && verdict.time_to_limit_s && !heap.diagnosis.time_to_limit_s) verdict.summary = detail::summarize(verdict, heap.facts);
    result.verdict = verdict;
    return result;
}

// A JVM whose counters leakscope could not read, with RSS calling it no leak: RSS sees the pages the JVM
// commits, which it does up front (-Xms) and keeps, and a leak inside them stays out of RSS until the
// heap is full (tests/e2e/jvm/HeapService.java leaking 2 MB/s under -XX:-UsePerfData, -Xms = -Xmx:
// "warm-up of 233 MB, then flat: no leak"). Undecided, with what would decide it.
void undecided_without_the_jvms_heap(ProcessDiagnosis& result, const ProcessSeries& series) {
    result.blind_to_jvm_heap = true;
    Diagnosis& verdict = result.verdict;
    const double watched_s = series.rss.t_s.empty() ? 0 : series.rss.t_s.back() - series.rss.t_s.front();
    // RSS already undecided keeps its own wait when that is longer.
    detail::make_undecided(verdict, std::max({watched_s, 60.0, verdict.watch_more_s.value_or(0.0)}));
    verdict.summary = fmt::format(
        "Undecided: this is a JVM whose own heap figures leakscope could not read (no performance-counter file: "
        "-XX:-UsePerfData or -XX:+PerfDisableSharedMem, its /tmp out of sight, or a file whose figures stayed unusable), and RSS shows only the memory "
        "the JVM commits, not a leak inside its heap: run it with its counters (the default) for a verdict on its "
        "heap, or watch at least {} more for RSS to grow. RSS alone said: {}",
        format_duration(*verdict.watch_more_s), verdict.summary);
}

ProcessDiagnosis diagnose_with_runtime_heap(const ProcessSeries& series, const Options& options) {
    const detail::DetailedDiagnosis rss = detail::diagnose_detailed(series.rss, options);
    ProcessDiagnosis result = diagnose_native(series, rss, options);
    // RSS growth that no heap figure holds, into memory the process mapped earlier: bounded by it. Not
    // for a managed runtime: a JVM commits its heap up front (-Xms, often all of -Xmx) and a leak grows
    // inside it without mapping more; its own heap figures judge it below.
    const bool judged_from_rss = !series.live_heap || result.rss_growth == RssGrowth::outside_heap;
    if (result.verdict.leak && result.metric == "rss" && rss.growing && judged_from_rss && !series.runtime_heap) {
        const double from_s = rss.diagnosis.onset_s.value_or(rss.diagnosis.warmup_end_s);
        if (auto ceiling = detail::growth_into_mapped_memory(series, from_s, series.rss.t_s.back(), rss.diagnosis.limit_bytes)) {
            result.verdict = detail::bound_tested(*ceiling) ? detail::filling_mapped_memory(rss, *ceiling)
                                                             : detail::filling_untested_room(rss, *ceiling);
            result.rss_growth = RssGrowth::into_mapped;
        }
    }
    // A managed runtime's heap (the JVM's) is outside malloc: RSS sees it only as its pages are first
    // touched and given back, in steps and falls of the runtime's choosing. When its own figures prove
    // that what is live grows, that is the leak, whatever RSS's trend could show so far.
    if (!series.runtime_heap || series.runtime_heap->used.t_s.size() < 2) return result;
    // Go's collections are each a full measure of what is live: judged as a series of them (go_heap_verdict.hpp).
    if (series.runtime_heap->collects_at_goal) {
        detail::judge_go_heap(result, series, options);
        if (result.metric == "go_heap" && result.verdict.leak && !result.verdict.time_to_limit_s) {
            project_from_rss(result.verdict, rss, series.rss, true);
            result.verdict.summary += detail::projection_sentence(result.verdict);
        }
        return result;
    }
    // A leak of RSS or of the malloc heap with the runtime's heap proven flat is growth outside that heap,
    // in the runtime's native memory: judged as such.
    if (result.verdict.leak) {
        if (auto flat = detail::runtime_heap_proven_flat(*series.runtime_heap, result.rss.warmup_end_s)) {
            detail::undecided_beside_a_flat_runtime_heap(result, series, *flat);
            return result;
        }
    }
    std::optional<detail::RuntimeHeapFinding> runtime = detail::runtime_heap_leak(*series.runtime_heap, result.rss.warmup_end_s, options);
    if (result.verdict.leak) {
        // Not proven flat: a settling-sized climb of the malloc heap (or of RSS, at a rough pace) is the
        // runtime's own memory as much as a leak, and waits for the runtime's heap to tell; when that heap
        // proves a leak itself, its leak is the story (below). Any other leak is projected to the maximum heap too.
        if (!detail::growth_may_be_the_runtimes_own(result, series)) {
            detail::project_to_the_maximum_heap(result, *series.runtime_heap, rss.facts.level_bytes);
            return result;
        }
        if (!(runtime && runtime->diagnosis.decided && runtime->diagnosis.leak)) {
            detail::undecided_beside_an_unproven_runtime_heap(result, series, runtime);
            return result;
        }
    }
    // Growth it cannot measure yet replaces only a decided "no leak": an undecided RSS keeps its own wait.
    if (!runtime || (!runtime->diagnosis.decided && !result.verdict.decided)) return result;
    Diagnosis& verdict = runtime->diagnosis;
    if (verdict.leak && !verdict.time_to_limit_s) {
        project_from_rss(verdict, rss, series.rss, true);
        verdict.summary += detail::projection_sentence(verdict);
    }
    result.verdict = verdict;
    result.metric = "jvm_heap";
    result.trend_evidence = runtime->evidence;
    if (series.runtime_heap->max_bytes) result.limit_source = "JVM maximum heap";
    return result;
}

}  // namespace

ProcessDiagnosis diagnose_process(const ProcessSeries& series, const Options& options) {
    ProcessDiagnosis result = diagnose_with_runtime_heap(series, options);
    if (result.metric == "rss") detail::undecided_on_too_few_pages(result.verdict, series.rss);
    // RSS alone, no heap beside it, or beside a heap decided flat (which adds only that the program's blocks
    // do not grow, as an allocator settling into its arenas shows too): a loose pace on a small rise is an
    // allocator settling as much as a leak. perl_access_log_shipper_sawtooth sampled (batches shipped every
    // 2 s, the allocator's in-use figure swinging 12.0-14.3 MB, decided flat): RSS crept 490 kB on 23.5 MB at
    // 16.2 kB/s (95% CI 11.4 to 32.9) and stood as "Leak, critical" beside it, where its --no-track runs wait.
    const bool heap_decided_flat = result.live_heap && result.live_heap->decided && !result.live_heap->leak;
    if (result.metric == "rss" && (!series.live_heap || heap_decided_flat) && !series.runtime_heap && !series.unread_jvm) {
        detail::undecided_on_an_imprecise_small_rise(result.verdict, series.rss, heap_decided_flat);
        // RSS's own row too, where no heap stands beside it (beside one it is the heap's second witness: below).
        if (!series.live_heap) detail::undecided_on_an_imprecise_small_rise(result.rss, series.rss);
    }
    // RSS's own diagnosis too: beside the tracked heap it is the second witness of a weak heap trend.
    // (order_book_churn_flat, fully tracked: the heap's 2.40 kB/s, 95% CI 1 B/s to 4.63 kB/s, stood as
    // "Leak, critical" with no leaking site because RSS, 14 pages over 13 s, "corroborated" it.)
    detail::undecided_on_too_few_pages(result.rss, series.rss);
    // Undecided from RSS's own trend or flat, it says first what would decide it: the JVM's heap figures
    // (a 2 MB/s leak inside a JVM run with -XX:-UsePerfData read "Growing 1.11 kB/s after a one-time
    // warm-up of 222 MB; too early to tell" in one clean clone, where the heap it could not read is the reason).
    if (series.unread_jvm && !result.verdict.leak) undecided_without_the_jvms_heap(result, series);
    // RSS alone undecided (attach without --track, --no-track): the heap would tell most of these at once
    // (RSS filling memory mapped earlier, a warm-up's tail, a dozen pages: the tracked runs of the same
    // corpus programs decided them all), and a user who cannot wait should know the other way.
    if (!result.verdict.decided && !series.live_heap && !series.runtime_heap && !series.unread_jvm && options.heap_trackable)
        result.verdict.summary += " Tracking allocations (`leakscope run` without --no-track, or `leakscope attach PID --track`) "
                                  "would show whether the heap grows.";
    return result;
}

}  // namespace leakscope::diagnosis
