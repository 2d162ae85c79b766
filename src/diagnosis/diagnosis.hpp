// The diagnosis engine: from a memory series (any gauge over time) to a verdict a person can act on.
// One library shared by run/attach/analyze, the reports, the in-process API and the monitor.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace leakscope::diagnosis {

enum class Pattern {
    stable,
    warmup_plateau,
    bounded_sawtooth,
    periodic_spikes,
    linear_growth,
    staircase_growth,
    accelerating_growth,
    fragmentation,
    insufficient_data,
};

enum class Severity { none, low, medium, high, critical };

/// The schema's spelling ("warmup_plateau", "critical", ...).
std::string_view to_string(Pattern pattern);
std::string_view to_string(Severity severity);
std::optional<Pattern> pattern_from_string(std::string_view text);

/// A gauge over time. t_s strictly increasing (irregular intervals and gaps are fine).
struct Series {
    std::vector<double> t_s;
    std::vector<double> value;   ///< bytes (or entries, for monitor gauges)
    std::vector<double> value_max;  ///< optional: peak within each point (merged buckets); empty = value
    std::vector<double> events;  ///< optional: cumulative work units at each point; empty when unknown
};

struct Options {
    std::optional<double> limit_bytes;  ///< where the process fails (cgroup, --limit, MemTotal)
    double confidence_level = 0.95;     ///< of the rate interval
    /// Growth below this fraction of the series' own level per hour is "not practically a leak" even
    /// when statistically significant (allocator noise, counters). Relative, so a small gauge (entries,
    /// sessions) leaking one unit a minute counts as much as megabytes on a big process.
    double practical_floor_fraction_per_hour = 0.001;
    /// An absolute floor on top, for callers that want one (a byte count per cycle, say); none by default.
    double practical_floor_bytes_per_s = 0.0;
    /// Long series are aggregated to at most this many time bins (block median/min/max) first; the
    /// trend statistics cost O(points^2). 2000 keeps a diagnosis well under 100 ms of CPU; per-site
    /// diagnosis of hundreds of sites may use fewer.
    std::size_t max_points = 2000;
    /// The series is the memory of a runtime whose collector gives memory back (V8): its heap grows
    /// ahead of the collections and drops at each full one, so growth is judged across the releases
    /// (the lows between them must rise), and with fewer than three the verdict is undecided.
    bool releases_by_collector = false;
    /// The series receives memory in chunks this large whatever the program asks for: CPython's pymalloc
    /// maps 1 MiB arenas, and the tracker sees each as one block. Steps up to 1.5 of them are how steady
    /// growth looks through that allocator, not a staircase of the program's. 0: none known.
    double allocation_quantum_bytes = 0;
    /// False for a program whose heap no allocation tracker sees (Go: its own allocator, a static binary
    /// as a rule), and for a run that tracked already (its heap lost or never reported): an undecided RSS
    /// verdict does not send the user to tracking.
    bool heap_trackable = true;
};

struct Diagnosis {
    Pattern pattern = Pattern::insufficient_data;
    bool leak = false;
    /// false when the run cannot yet separate a slow leak from a warm-up still settling or from noise:
    /// leak is then false and watch_more_s says how much longer to watch for a decision.
    bool decided = true;
    std::optional<double> watch_more_s;
    Severity severity = Severity::none;
    double confidence = 0;  ///< 0..1
    std::string summary;    ///< one or two plain sentences

    // Growth.
    double warmup_bytes = 0;      ///< one-time growth before steady state
    double warmup_end_s = 0;      ///< when steady state began
    /// A warm-up still decelerating at the end of the run: the level it levels off at (a saturating
    /// curve fitted to the growth), so the report can say "settling toward ~24 MB".
    std::optional<double> settling_toward_bytes;
    /// Growth that began late (flat, then a steady climb): when it began. The rate is measured from here.
    std::optional<double> onset_s;
    double steady_rate_bytes_per_s = 0;
    double rate_ci_low_bytes_per_s = 0;
    double rate_ci_high_bytes_per_s = 0;
    double trend_p_value = 1;     ///< Mann–Kendall (Hamed–Rao) on the steady part
    std::optional<double> rate_bytes_per_event;
    std::optional<double> rate_per_event_ci_low;
    std::optional<double> rate_per_event_ci_high;

    // Shape, for the charts.
    double fit_intercept_bytes = 0;  ///< fitted steady-state level at warmup_end_s
    std::vector<double> change_points_s;
    std::optional<double> period_s;  ///< sawtooth / spike period when detected
    double baseline_bytes = 0;       ///< level at the start of steady state
    double peak_bytes = 0;
    double final_bytes = 0;

    // When it will hurt.
    std::optional<double> limit_bytes;
    std::optional<double> time_to_limit_s;        ///< from the peaks, not the floor
    std::optional<double> restart_interval_s;     ///< keeps the peaks under the limit (with margin)
    double fraction_of_samples_near_limit = 0;    ///< sustained high usage (> 80% of the limit)
};

/// The rate's interval excludes zero, either way: what the reports call a significant rate.
inline bool rate_significant(const Diagnosis& d) { return d.rate_ci_low_bytes_per_s > 0 || d.rate_ci_high_bytes_per_s < 0; }
/// No leak, and the level went down beyond doubt (its whole interval below zero): the summary and the headline
/// say it drifts down rather than stays flat.
inline bool drifts_down(const Diagnosis& d) { return !d.leak && d.rate_ci_high_bytes_per_s < 0; }

/// Diagnoses one gauge.
Diagnosis diagnose(const Series& series, const Options& options = {});

/// Diagnoses a process: RSS plus, when the tracker ran, the live heap, mapped bytes and the
/// allocator's own figures. The verdict rests on the live heap when it explains the growth; RSS growth
/// it does not explain is fragmentation only when the allocator's free-but-kept bytes show it, and
/// otherwise growth outside the malloc heap, judged from RSS.
struct ProcessSeries {
    Series rss;
    std::optional<Series> live_heap;  ///< live heap + tracked anonymous mappings; may start later than rss
    std::optional<Series> mapped;     ///< same t_s as live_heap
    std::optional<Series> allocator_footprint;  ///< bytes the allocator holds from the OS (same t_s as live_heap)
    std::optional<Series> allocator_free;       ///< of those, free but kept (same t_s as live_heap)
    std::optional<Series> threads;    ///< thread count across the tree (same t_s as rss)
    std::optional<Series> anon_rss;   ///< anonymous resident bytes (same t_s as rss)
    std::optional<Series> file_rss;   ///< file-backed resident bytes (same t_s as rss)
    std::optional<Series> vm_data;    ///< private writable mappings' size, resident or not (same t_s as rss)
    /// Of those, thread stacks mapped but not resident (smaps, read every few seconds: own t_s; format
    /// 2.8 on): a stack is mapped whole and mostly never touched, room no heap can grow into.
    std::optional<Series> unresident_stacks;
    /// Resident bytes by kind of mapping (/proc/PID/smaps, read every few seconds: own t_s), e.g.
    /// "thread stacks", "other anonymous mappings": where RSS growth outside the heap lives.
    struct MappingSeries {
        std::string name;
        Series series;
    };
    /// The name of the thread stacks' series: growth there is never memory the allocator already held.
    static constexpr std::string_view kThreadStacks = "thread stacks";
    std::vector<MappingSeries> rss_by_mapping;
    /// A managed runtime's own heap, from its own counters (the JVM's hsperfdata; own t_s): bytes in use
    /// across its generations, the cumulative counts of its collections at each sample (all kinds, and
    /// full ones), and the most it may grow to (-Xmx) when known.
    struct RuntimeHeap {
        std::string runtime = "JVM";  ///< "JVM", "Go runtime": in "the {}'s heap"
        /// The run's first sample: times in the summaries count from it, as the charts' and RSS's do (the
        /// runtime's first figures come a second or more later, once the JVM has started).
        double run_start_s = 0;
        Series used;
        /// used less eden at each sample: what survived the collections so far (survivors and the old
        /// generation), which moves only at a collection or an allocation straight into the old
        /// generation. Empty when eden is unknown (recordings before format 2.6).
        std::vector<double> survived;
        std::vector<double> collections;
        std::vector<double> full_collections;
        /// Pauses of concurrent marking cycles (G1's remark and cleanup), cumulative; empty when unknown.
        std::vector<double> marking_pauses;
        std::optional<double> max_bytes;
        std::optional<double> committed_bytes;  ///< what it had committed at the last sample (G1 marks at a share of it)
        /// How coarsely the levels are known: 0 for the JVM's counters; 1 MiB for Go's gctrace lines, which
        /// print whole mebibytes rounded down (a level of 3 MiB was anything up to 4 MiB).
        double level_resolution_bytes = 0;
        /// Go: the heap collects when it reaches its goal (`used` is what the last collection found live,
        /// `committed` the goal it set): the heap never holds much more than the largest goal, so RSS that
        /// rose by more than that is memory outside the heap.
        bool collects_at_goal = false;
        /// The largest goal (committed figure) over the run.
        double largest_committed_bytes = 0;
    };
    std::optional<RuntimeHeap> runtime_heap;
    /// A JVM of the tree whose own heap figures could not be read (no counter file): a leak inside the
    /// heap it committed does not show in RSS, so flat RSS decides nothing about it.
    bool unread_jvm = false;
    /// Sampled tracking reads the live heap from the allocator's own in-use figure, which counts the blocks
    /// its per-thread caches hold as in use: the figure may grow by up to this many bytes while the
    /// program holds no more (glibc: the tcache, 240,128 bytes a thread at most). 0: the heap is exact.
    double heap_cache_bytes = 0;
};

/// What RSS growth that the verdict had to explain turned out to be.
enum class RssGrowth {
    none,               ///< RSS does not grow (or the heap's own growth is the verdict)
    heap_in_steps,      ///< the live heap gained as much, in steps too coarse for its own trend
    allocator_retains,  ///< the allocator's free-but-kept bytes grow: fragmentation
    in_allocator,       ///< the allocator's footprint took the gain; its live and free parts swing too much to say which
    within_allocator,   ///< RSS fills memory already held (free, or allocated and first written now): bounded by it
    outside_heap,       ///< neither the heap nor the allocator: thread stacks, mappings, a JIT's or GC's heap
    into_mapped,        ///< RSS fills memory mapped earlier (its mappings do not grow): bounded by them
};
std::string_view to_string(RssGrowth growth);

struct ProcessDiagnosis {
    Diagnosis verdict;      ///< the one the report leads with
    /// The series the verdict rests on: "live_heap", "rss" (or "pss"), "jvm_heap" (the JVM's own heap
    /// figures) or "go_heap" (what the Go runtime's collections found live); a report whose schema knows only
    /// the first three writes "rss" for the last two, where those heaps live.
    std::string metric;
    std::string limit_source;  ///< set when the verdict's limit is not RSS's: "JVM maximum heap"
    /// The series the verdict's warm-up was measured on when it is not `metric`'s: "rss" when the heap's
    /// verdict tells RSS's larger warm-up (a JIT's code, a runtime's arenas, a heap whose first report
    /// came late); empty otherwise.
    std::string warmup_metric;
    /// For metric "live_heap" (the live blocks and the tracked mappings together): the mappings' share of
    /// its gain over the verdict's steady part, 0 to 1 (0 when it did not gain). A leak of mmap'ed
    /// buffers is no growth "of the live heap" to a reader who sees the live blocks' line stay flat.
    double mapped_share_of_gain = 0;
    /// For metric "jvm_heap" or "go_heap": how the runtime heap's trend is known ("proven by a full collection", "the
    /// lows after 3 reclamations of the old generation climb", ...), for the report's Trend row.
    std::string trend_evidence;
    Diagnosis rss;          ///< RSS on its own
    std::optional<Diagnosis> live_heap;
    /// How RSS and its parts changed over RSS's steady part, when the heap is known: every part measured
    /// over that one window the same way (rss_decomposition.hpp).
    struct Decomposition {
        /// A part's change over the window, per second (its levels at both ends, as the verdict's own
        /// explanation of RSS growth measures them), and whether it changed beyond its noise.
        struct Rate {
            double bytes_per_s = 0;
            double trend_p_value = 1;  ///< Mann–Kendall (Hamed–Rao) over the window's readings
            /// A significant trend the same way as the change: the part changed (else it is flat, as far
            /// as this run can tell).
            bool changed = false;
        };
        double from_s = 0, to_s = 0;  ///< the window: RSS's steady part, where the heap was known
        Rate rss;
        Rate live_heap;  ///< the live blocks (without the tracked mappings)
        Rate mapped;     ///< the tracked anonymous mappings
        /// The allocator's free-but-kept bytes when it reported them (allocator_measured); otherwise RSS
        /// less the heap and the mappings at each reading: that memory and everything else resident
        /// (code, stacks, other mappings).
        Rate allocator_retained;
        bool allocator_measured = false;
        /// With the allocator's figures (allocator_measured): RSS less the heap and the allocator's
        /// free-but-kept bytes at each reading, what lies outside them (code, thread stacks, other and
        /// shared mappings, the allocator's own headers). Without them it is inside allocator_retained.
        Rate rest;
        /// RSS's verdict is a sawtooth or spikes: a change between two points of its cycles depends on
        /// where the window cuts them, so no rate of it or its parts says where anything went.
        bool rss_cycles = false;
        /// RSS changed over the window (outside cycles, beyond its noise, by more pages than
        /// page_granular_growth.hpp needs to decide anything): only then do its parts say where it went.
        bool rss_changed = false;
    };
    std::optional<Decomposition> decomposition;
    RssGrowth rss_growth = RssGrowth::none;
    std::string rss_growth_where;  ///< for outside_heap: what grew (threads, anonymous or file-backed memory)
    /// A JVM whose heap figures could not be read made RSS's "no leak" undecided (ProcessSeries::unread_jvm).
    bool blind_to_jvm_heap = false;
};
ProcessDiagnosis diagnose_process(const ProcessSeries& series, const Options& options = {});

/// Per allocation site: the same diagnosis on each site's live bytes, ranked by steady growth, with
/// the leak calls controlled for false discoveries across sites (Benjamini–Hochberg).
struct SiteInput {
    std::vector<double> live_bytes;  ///< on the shared grid
};
struct SiteVerdict {
    std::size_t index = 0;  ///< into the input vector
    Diagnosis diagnosis;
    double q_value = 1;     ///< BH-adjusted p-value of the trend
};
std::vector<SiteVerdict> diagnose_sites(const std::vector<double>& grid_t_s,
                                        const std::vector<SiteInput>& sites,
                                        const std::vector<double>& events,
                                        const Options& options = {});

/// The one-sided p-value of a site's growth: the test behind its leak call (Sen's interval), which the
/// false-discovery control of diagnose_sites runs on.
double growth_p_value(const Diagnosis& d, double confidence_level);

}  // namespace leakscope::diagnosis
