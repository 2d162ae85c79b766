// The JVM's own heap figures, folded from its hsperfdata counters (perfdata_file.hpp): what jstat -gc
// shows. HotSpot numbers the young generation 0 and the old one 1 (ZGC and Shenandoah have only the
// one whole-heap "generation" 1), and its collectors 0 (young or partial collections), 1 (full
// collections) and 2 (G1's and ZGC's concurrent cycles).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "runtime/perfdata_file.hpp"

namespace leakscope::runtime {

struct JvmHeap {
    std::uint64_t heap_used = 0;       ///< bytes in use in every space of every generation (eden, survivors, old)
    std::uint64_t heap_committed = 0;  ///< the generations' capacities: memory the heap has committed
    std::uint64_t heap_max = 0;        ///< the most the heap may commit (-Xmx; G1 states it 8 bytes over)
    std::uint64_t old_gen_used = 0;    ///< generation 1's spaces: the old generation (the whole heap for ZGC, Shenandoah)
    /// Eden: what was allocated since the last young collection. used - eden is what survived the
    /// collections so far (survivors and old generation); it changes only at a collection or when an
    /// object goes straight to the old generation, so it does not depend on when the sample is taken.
    std::uint64_t eden_used = 0;
    std::optional<std::uint64_t> metaspace_used;  ///< class metadata; HotSpot updates it at collections only (unset before the first)
    std::uint64_t young_gcs = 0;       ///< collector 0's invocations
    std::uint64_t full_gcs = 0;        ///< collector 1's invocations
    std::uint64_t concurrent_gcs = 0;  ///< collector 2's invocations (G1: concurrent cycles' pauses)
    /// A collection's pause was under way (a collector's lastEntryTime after its lastExitTime): its count
    /// has risen already, the sizes are not yet updated.
    bool in_collection = false;
    std::string_view policy;           ///< sun.gc.policy.name ("GarbageFirst", "Copy:MSC", ...), empty when absent
};

struct JvmHeapResult {
    std::optional<JvmHeap> heap;
    std::string error;  ///< one sentence when heap is empty
};

/// Folds the counters of one parse into the heap figures. An error when no generation has a used space
/// (a JVM without GC counters), or a size counter is negative or their sum overflows (a forged file).
/// The result's policy views the counters' bytes.
JvmHeapResult jvm_heap_from_counters(std::span<const PerfCounter> counters);

}  // namespace leakscope::runtime
