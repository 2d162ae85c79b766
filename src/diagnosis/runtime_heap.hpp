// A managed runtime's own heap (the JVM's, from its hsperfdata counters), judged by what survives its
// collections. The bytes in use rise between collections in any program that allocates, and a young
// collection leaves medium-lived objects in the old generation until the collector reclaims it: the
// level right after a young collection is only an upper bound of what is live. Two kinds of evidence:
//
// - A full collection measures what is live. So the heap proves growth of what is live when a full
//   collection leaves more in use than an earlier collection in steady state did: live then <= that
//   earlier level < live now. Measured on examples/patterns/java (serial collector): a bounded session
//   pool's two full collections left 7.7 MB each time, while the levels after its young collections
//   climbed 0.8 MB/s between them (promotions); a registry leaking 1 MB/s had its one full collection
//   in 20 s leave 13.0 MB, 2.5 MB above the young collection 4.5 s before it.
// - G1 (the JVM's default collector) rarely runs a full collection: it marks the old generation
//   concurrently once it fills to a share of the heap, then reclaims it in mixed collections. Until its
//   first reclamation nothing tells a leak from objects promoted and dead since (an LRU cache's evicted
//   entries): both climb after every young collection (runtime_heap_lows.cpp). After reclamations the
//   lows they leave are the measure: measured with tests/e2e/jvm/HeapService.java under -Xmx64m, an LRU
//   cache's lows stayed at 50.0-52.6 MB over ~30 marking cycles while its young levels climbed 4 MB/s
//   between them; a session leak's climbed 32.0, 40.8, 49.8 MB at 2 MB/s.
//
// Otherwise the heap decides nothing, and the verdict stays with RSS: its evidence only adds. Growth
// the heap sees without enough collections to measure it (a proof with two levels, lows that climb
// over two reclamations, a climb no reclamation has tested yet) is "undecided: watch N more".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/theil_sen.hpp"

namespace leakscope::diagnosis::detail {

/// The live growth a full collection proves must reach this share of the earlier level to be a leak
/// worth calling (a few objects more is noise of the sampling instant); lows after reclamations must
/// climb as much to count as growth, and levels within it of each other are one band.
inline constexpr double kProvenGrowthShareOfLevel = 0.10;
/// Levels after collections, from the proof's earlier one to the end, needed to state a pace with a
/// spread (a 12 s run with two gave "2.06 GB/h, 95% CI 2.06 GB/h to 2.06 GB/h"); as many lows after
/// reclamations.
inline constexpr std::size_t kLevelsForAPace = 3;
/// What survived the young collections (the heap in use less eden, format 2.6) is read exactly, not
/// at a sample's distance from the pause: when the last kExactClimbLevels of those levels each rise
/// over the one before, by this share of the first in all, what survives is climbing (a session index
/// leaking 68 kB/s under G1: 9.33, 9.77, 10.02, 10.41 MB; a bounded LRU's levels read 9.87 MB five
/// times over, or 9.86, 9.87, 9.89, 9.87 MB; a settled catalog's 57.56-57.57 MB).
inline constexpr std::size_t kExactClimbLevels = kLevelsForAPace + 1;
inline constexpr double kExactClimbShareOfLevel = 0.02;
/// A level below the one before by this share of it is a reclamation of the old generation (a mixed
/// collection after G1's marking, a full collection): smaller falls are survivors dying young.
inline constexpr double kReclaimedShareOfLevel = 0.10;
/// G1 starts marking its old generation when the heap holds this share of what it has committed
/// (-XX:InitiatingHeapOccupancyPercent's default; adaptive later, so only an estimate of the wait).
inline constexpr double kG1MarkingShareOfCommitted = 0.45;

/// The level in use right after a collection.
struct AfterCollection {
    double t_s = 0;
    double used_bytes = 0;
    bool full = false;  ///< a full (old-generation) collection happened since the previous sample
    bool marking = false;  ///< a pause of a concurrent marking cycle (G1's remark or cleanup) did
};

/// After each collection (a count rose since the sample before), the lowest level until the next one;
/// empty when the counts do not match the samples.
std::vector<AfterCollection> levels_after_collections(const ProcessSeries::RuntimeHeap& heap);

/// What the runtime heap says beyond RSS: a leak, or growth it cannot measure yet (decided = false with
/// watch_more_s), with how it knows.
struct RuntimeHeapFinding {
    Diagnosis diagnosis;
    /// For the report's Trend row: "proven by a full collection", "the lows after G1's reclamations
    /// climb", "no reclamation of the old generation yet", ...
    std::string evidence;
};

/// The finding from the runtime heap, or nothing when it proves no growth or cannot tell anything.
/// `steady_from_s`: where the process's warm-up ended (growth before it is the warm-up's).
std::optional<RuntimeHeapFinding> runtime_heap_leak(const ProcessSeries::RuntimeHeap& heap, double steady_from_s,
                                                    const Options& options);

/// How the runtime heap's collections prove that what is live did not grow since `steady_from_s` ("its
/// full collections left 7.73 MB at 9.3 s and 7.73 MB at 16.6 s"), or nothing when they do not prove it
/// (too few collections, growth, a climb no reclamation has tested).
std::optional<std::string> runtime_heap_proven_flat(const ProcessSeries::RuntimeHeap& heap, double steady_from_s);

// The parts, shared by the rules (runtime_heap.cpp, runtime_heap_lows.cpp).

/// The last kLevelsForAPace lows after reclamations of the old generation, when they lie within
/// kProvenGrowthShareOfLevel of the lowest of them and the lows as a whole do not climb: what is live has
/// stopped growing (G1 with a bounded cache: 55.5, 54.9, 57.0 MB). Empty otherwise.
std::vector<AfterCollection> lows_in_one_band(const std::vector<AfterCollection>& levels);

/// "36.6 MB, 42.2 MB, 45.8 MB"; with many, the first three and the last two.
std::string levels_text(const std::vector<AfterCollection>& points);

/// Judged from the lows after reclamations when no full collection decides (G1): a leak when three or
/// more lows climb, undecided when two do or when the levels climb ahead of any reclamation.
std::optional<RuntimeHeapFinding> judge_reclamation_lows(const ProcessSeries::RuntimeHeap& heap,
                                                         const std::vector<AfterCollection>& levels, double steady_from_s,
                                                         const Options& options);

/// Sen's pace of the levels with its interval; with too few of them for Sen's interval (five at least), the
/// range of their pairwise paces.
SlopeEstimate levels_pace(const std::vector<AfterCollection>& points, const Options& options);

/// A leak at the pace of `points` (levels after collections; the trend with the range of the pairwise
/// paces when too few for Sen's interval), never below `floor_rate`; projected to the maximum heap. Its
/// Mann-Kendall p-value is that of `trend_levels` (every level after a collection the pace spans).
Diagnosis leak_from_levels(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& points,
                           const std::vector<AfterCollection>& trend_levels, double floor_rate, double steady_from_s,
                           const Options& options);

/// Mann-Kendall's p-value of the levels' trend (1 with fewer than three).
double trend_p_value(const std::vector<AfterCollection>& levels);

/// " The limit is the JVM's maximum heap: ..." when the leak is projected to it; empty otherwise.
std::string maximum_heap_note(const ProcessSeries::RuntimeHeap& heap, const Diagnosis& d);

/// Growth seen but not measurable yet: leak = false, decided = false, `watch_s` rounded up to minutes; the
/// rate from the first to the last of `points`, its interval from `floor_rate` (a proven pace, or 0) to
/// the steepest pair of them.
Diagnosis undecided_growth(const ProcessSeries::RuntimeHeap& heap, const std::vector<AfterCollection>& points,
                           double watch_s, double steady_from_s, double floor_rate = 0);

}  // namespace leakscope::diagnosis::detail
