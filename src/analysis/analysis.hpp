// Recording + diagnosis -> the analysis that every report (JSON, terminal, HTML, Markdown) renders.
// One place computes it, so every front end tells the same story.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "analysis/exit_view.hpp"
#include "analysis/sampled_interval.hpp"
#include "diagnosis/diagnosis.hpp"
#include "model/recording.hpp"

namespace leakscope::analysis {

/// One allocation call site (a deduplicated stack), named and diagnosed.
struct SiteReport {
    StackId stack;
    std::uint32_t process = 0;
    std::string function;               ///< innermost frame that is the user's code
    std::optional<std::string> file;
    std::optional<int> line;
    std::optional<std::string> module;
    std::vector<std::string> frames;    ///< "function (file:line)", innermost first, the whole stack
    /// When another reported site has the same function, file and line: the frame of this one's stack
    /// that tells them apart ("" otherwise).
    std::string via;
    /// When another reported site reads the same (name and `via`) in another process of the tree: this
    /// one's process, "pid 4242 (python3)" ("" otherwise). A recycled worker pool's workers each have
    /// the same stacks, and their rows were five identical lines.
    std::string in_process;
    /// Sampling mode: the 95% interval of live_bytes and the samples it rests on.
    std::optional<SampledInterval> sampled;
    double live_bytes = 0;              ///< live at the end
    double peak_live_bytes = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
    diagnosis::Diagnosis diagnosis;     ///< of this site's live bytes over time
    double q_value = 1;                 ///< false-discovery-adjusted trend p-value
    /// Still allocated when the site's process ended (0 when all was freed); unset while it runs on.
    std::optional<double> live_at_exit_bytes;
    std::size_t series_index = 0;       ///< into Recording::sites.sites
    /// How many call paths to the same line this row stands for (sites_sharing_a_line.hpp): more than
    /// one when only together they showed the leak. The others' stacks and series are folded in here.
    std::size_t call_paths = 1;
    std::vector<StackId> folded_stacks;
    std::vector<std::size_t> folded_series;
};

/// Sampled tracking saw a leak but no site's estimate rose with it: no site can be named.
struct UnsampledGrowth {
    double rise_bytes = 0;        ///< the leak's growth over its steady state (the verdict's rate times its span)
    double sample_bytes = 0;      ///< the sampling period in bytes (--sample-bytes)
    double expected_samples = 0;  ///< rise / period: how many samples the rise should have drawn
    /// RSS's leak, in the allocator's footprint, beside a sampled heap that swings by more than it (no
    /// trend of its own): samples fell in the rise, but as few as the swings' sites gain and lose by chance.
    bool within_swings = false;
};

/// Full tracking of a CPython target: a leak whose rise came in pymalloc's arenas, each charged to the code
/// that needed one, so that no site carries it (pymalloc_arenas.hpp).
struct ArenaGrowth {
    double rise_bytes = 0;        ///< the arena sites' rise over the leak's steady state
    std::size_t arena_sites = 0;  ///< sites whose blocks are all arenas
    double arena_bytes = 0;       ///< one arena (1 MiB since Python 3.10)
};

struct Analysis {
    diagnosis::ProcessDiagnosis process;  ///< the verdict and its parts
    std::vector<SiteReport> sites;        ///< leaks first, then most steady growth
    /// Sites of the growth view past Options::max_sites or too small to judge (below 1 KiB or a ten
    /// thousandth of the largest): how many, and what they held at the end of the judged span.
    std::size_t sites_not_shown = 0;
    double live_bytes_not_shown = 0;
    ExitView at_exit;                     ///< what the processes still held when they ended
    double duration_s = 0;
    std::size_t samples = 0;              ///< raw samples the series stands for
    std::uint64_t events = 0;             ///< work units counted over the run
    double start_rss = 0, peak_rss = 0, end_rss = 0;
    std::uint32_t max_processes = 0;      ///< most processes seen at once in the tree
    std::uint32_t max_threads = 0;
    std::optional<double> limit_bytes;    ///< the limit the projection used
    std::string limit_source;             ///< "cgroup", "--limit", "machine memory"
    /// End of the judged span: the target's teardown is left out (infinity: everything is judged). The
    /// sites are judged up to a lost tracking stream too.
    double judged_until_s = std::numeric_limits<double>::infinity();
    /// The first tracking stream lost while its process ran on: the heap is unknown from then, the
    /// verdict rests on RSS (the recording's warnings say so too).
    std::optional<TrackingLoss> tracking_lost;
    /// Set when the verdict is a leak of the sampled heap and no sample fell in its rise.
    std::optional<UnsampledGrowth> unsampled_growth;
    /// Set when the verdict is a leak of a CPython target's heap that only its arenas, together, show.
    std::optional<ArenaGrowth> arena_growth;
};

struct Options {
    std::optional<double> limit_bytes;         ///< --limit overrides the recorded limits
    std::vector<std::string> debug_dirs;       ///< --debug-dir, for symbolizing
    std::size_t max_sites = 50;                ///< sites kept in the report
};

/// A recording whose leakscope was killed before it could symbolize has stacks and the module map
/// (paths, build-ids, load addresses, recorded as the run went) but no symbols: a copy symbolized now
/// from the files on disk and `debug_dirs`, as the finished run would have. nullopt when the recording
/// has its symbols already (or nothing to symbolize).
std::optional<Recording> with_symbols_from_module_map(const Recording& recording, const std::vector<std::string>& debug_dirs);

/// Diagnoses the recording. Symbolizes stacks from the recording's symbols, or from its module map
/// when the recording has none (leakscope was killed before it could symbolize).
Analysis analyze(const Recording& recording, const Options& options = {});

}  // namespace leakscope::analysis
