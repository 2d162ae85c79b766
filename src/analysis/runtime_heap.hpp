// The JVM's own heap as series for the diagnosis and the reports: heap used, committed and max, the old
// generation, metaspace, and the collections (SamplePoint::runtime_*, from HotSpot's hsperfdata). A
// collector's heap grows ahead of its collections and shrinks at them, so what is still reachable shows
// right after a collection: the diagnosis picks those points out (diagnosis/runtime_heap.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <span>

#include "diagnosis/diagnosis.hpp"
#include "model/recording.hpp"

namespace leakscope::analysis {

/// One value per sample of the recording that carries the JVM's heap (the others are left out). For a Go
/// program the same fields carry its gctrace lines (RunInfo::runtime "go"): heap_used what the last
/// collection found live with the goroutine stacks, heap_committed its goal, full_gcs the collections read;
/// heap_max and old_gen_used unknown (NaN; recordings of session 33's first builds have the level there too).
struct RuntimeHeapSeries {
    bool go = false;
    std::vector<double> t_s;
    std::vector<double> rss;             ///< the tree's RSS at the same samples, which holds the heap
    std::vector<double> heap_used;       ///< runtime_heap_used
    std::vector<double> heap_committed;  ///< runtime_heap_committed
    std::vector<double> heap_max;        ///< runtime_heap_max
    std::vector<double> old_gen_used;    ///< runtime_old_gen_used
    std::vector<double> metaspace_used;  ///< NaN where unknown (HotSpot fills it at its first collection)
    std::vector<std::uint64_t> young_gcs, full_gcs, concurrent_gcs;  ///< cumulative
    std::size_t size() const { return t_s.size(); }
};

/// The series, or nullopt when no sample carries the JVM's heap (no JVM in the tree, or a recording
/// older than format 2.4) or the Go heap.
std::optional<RuntimeHeapSeries> runtime_heap_series(const Recording& recording);

/// The JVM's heap as the diagnosis takes it (ProcessSeries::runtime_heap): bytes in use, the cumulative
/// count of collections of every kind and of full ones, and the maximum (-Xmx) at the last sample; from
/// the samples that carry it (the sampler leaves out those read inside a collection's pause, so a
/// sample whose count rose has the sizes that collection left). nullopt when none does.
std::optional<diagnosis::ProcessSeries::RuntimeHeap> runtime_heap_for_diagnosis(std::span<const SamplePoint> samples);

/// "The JVM's heap: used 49.1 MB of 184 MB committed (max 537 MB); old generation 49.1 MB, metaspace
/// 9.70 MB; 8 young, 3 full collections." — the last sample's figures, for the reports' RSS decomposition.
std::string runtime_heap_sentence(const RuntimeHeapSeries& series);
/// "The Go heap: its last of 8 collections (at 15.6 s) found 6.29 MB live, heap and goroutine stacks (whole
/// MiB, from its gctrace lines); goal 12.6 MB; the most any collection found, 6.29 MB."
std::string go_heap_sentence(const RuntimeHeapSeries& series);

}  // namespace leakscope::analysis
