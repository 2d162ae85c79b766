// A managed runtime's own heap (the JVM's, from its hsperfdata counters), judged by what survives its
// collections. The bytes in use rise between collections in any program that allocates, and a young
// collection leaves medium-lived objects in the old generation until a full one: the level right after
// a young collection is only an upper bound of what is live, and only a full collection measures it.
// So the heap proves growth of what is live when a full collection leaves more in use than an earlier
// collection in steady state did: live then <= that earlier level < live now. Measured on
// examples/patterns/java: a bounded session pool's two full collections left 7.7 MB each time, while
// the levels after its young collections climbed 0.8 MB/s between them (promotions); a registry leaking
// 1 MB/s had its one full collection in 20 s leave 13.0 MB, 2.5 MB above the young collection 4.5 s
// before it. Otherwise the heap decides nothing, and the verdict stays with RSS: its evidence only adds.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// The live growth a full collection proves must reach this share of the earlier level to be a leak
/// worth calling (a few objects more is noise of the sampling instant).
inline constexpr double kProvenGrowthShareOfLevel = 0.10;
/// Levels after collections, from the proof's earlier one to the end, needed to state a pace with a
/// spread (a 12 s run with two gave "2.06 GB/h, 95% CI 2.06 GB/h to 2.06 GB/h").
inline constexpr std::size_t kLevelsForAPace = 3;

/// The level in use right after a collection.
struct AfterCollection {
    double t_s = 0;
    double used_bytes = 0;
    bool full = false;  ///< a full (old-generation) collection happened since the previous sample
};

/// After each collection (a count rose since the sample before), the lowest level until the next one;
/// empty when the counts do not match the samples.
std::vector<AfterCollection> levels_after_collections(const ProcessSeries::RuntimeHeap& heap);

/// A leak verdict from the runtime heap (rate: the trend of the levels after collections in steady
/// state, never below the growth the full collection proves), or nothing when it proves no growth.
/// `steady_from_s`: where the process's warm-up ended (growth before it is the warm-up's).
std::optional<Diagnosis> runtime_heap_leak(const ProcessSeries::RuntimeHeap& heap, double steady_from_s, const Options& options);

}  // namespace leakscope::diagnosis::detail
