// One point of the memory series of a run: either one raw sample of /proc (merged == 1), or several
// older samples merged into one bucket so a week-long recording stays bounded (merged > 1; the *_min and
// *_max fields keep the extremes, the plain fields the mean).
#pragma once

#include <cstdint>
#include <limits>

namespace leakscope {

/// Marks a gauge that was not measured (no smaps_rollup, tracker off, ...).
inline constexpr std::uint64_t kUnknownBytes = std::numeric_limits<std::uint64_t>::max();

inline bool known(std::uint64_t value) { return value != kUnknownBytes; }

struct SamplePoint {
    double t_s = 0;               ///< seconds since the run began (mean time of a merged bucket)
    double span_s = 0;            ///< 0 for a raw sample; the time a merged bucket covers
    std::uint32_t merged = 1;     ///< how many raw samples this point stands for
    std::uint32_t processes = 0;  ///< processes in the watched tree
    std::uint32_t threads = 0;    ///< threads across the tree

    std::uint64_t rss = 0;        ///< resident set size, summed over the tree
    std::uint64_t rss_min = 0;
    std::uint64_t rss_max = 0;
    std::uint64_t pss = kUnknownBytes;   ///< proportional set size (smaps_rollup)
    std::uint64_t anon = kUnknownBytes;  ///< anonymous resident memory
    std::uint64_t file = kUnknownBytes;  ///< file-backed resident memory
    std::uint64_t swap = kUnknownBytes;  ///< swapped-out anonymous memory
    /// VmData: the size of the private writable mappings (brk heap, malloc arenas, anonymous mmaps,
    /// thread stacks), resident or not. RSS that grows while this stays flat is filling memory mapped
    /// earlier, bounded by it; a leak has to map more. Format 2.5 (kUnknownBytes in older recordings).
    std::uint64_t vm_data = kUnknownBytes;

    // From the allocation tracker; kUnknownBytes when it is off.
    std::uint64_t live_heap = kUnknownBytes;  ///< bytes in live malloc/new allocations
    std::uint64_t live_heap_min = kUnknownBytes;
    std::uint64_t live_heap_max = kUnknownBytes;
    std::uint64_t mapped = kUnknownBytes;       ///< bytes in live anonymous mmap regions
    std::uint64_t allocations = kUnknownBytes;  ///< cumulative allocation calls
    std::uint64_t frees = kUnknownBytes;        ///< cumulative free calls

    // The allocator's own figures (glibc mallinfo2, jemalloc stats), summed over the tracked processes
    // that report them; kUnknownBytes when none does (tracker off, another allocator). Read inside the
    // target about once a second; a sample carries the latest reading. footprint = in_use + free.
    std::uint64_t allocator_footprint = kUnknownBytes;  ///< bytes the allocator holds from the OS
    std::uint64_t allocator_in_use = kUnknownBytes;     ///< bytes it has handed out (its own count, with overhead)
    std::uint64_t allocator_free = kUnknownBytes;       ///< free but kept: fragmentation and caches
    /// How many times the allocator's figures were read so far, summed over the tracked processes
    /// (format 2.9). Sampled tracking's heap is the allocator's in-use figure, and a read that is slow
    /// (mallinfo2 walks every free chunk) is spaced out up to seconds apart: the samples between two
    /// reads repeat the last one, and only those where this count moved carry a new heap reading.
    std::uint64_t allocator_reads = kUnknownBytes;

    // Resident bytes by kind of mapping, from /proc/PID/smaps, summed over the tree. Read only now
    // and then (it is expensive for big processes): kUnknownBytes in the samples between readings.
    std::uint64_t smaps_brk_heap = kUnknownBytes;    ///< [heap]: the brk heap (glibc's main arena)
    std::uint64_t smaps_stacks = kUnknownBytes;      ///< [stack] and thread stacks
    std::uint64_t smaps_anon_other = kUnknownBytes;  ///< other private anonymous mappings (mmap'd arenas, JIT/GC heaps)
    std::uint64_t smaps_file = kUnknownBytes;        ///< file-backed mappings (code, data, mapped files)
    std::uint64_t smaps_other = kUnknownBytes;       ///< the rest: shared anonymous, [vdso], [vvar], ...
    /// The stacks' mapped size, resident or not (format 2.8): what of VmData is thread stacks, room the
    /// heap cannot grow into. Read with the other smaps fields.
    std::uint64_t smaps_stacks_mapped = kUnknownBytes;

    /// The tracker's own tables inside the tracked processes (counted in their rss and anon, not the
    /// program's): the analysis leaves them out. kUnknownBytes when the tracker is off.
    std::uint64_t tracker_bytes = kUnknownBytes;

    // A managed runtime's own heap, summed over the tree's JVMs: HotSpot's performance counters
    // (/tmp/hsperfdata_USER/PID, what jstat reads), read every sample without the tracker. kUnknownBytes
    // when no process of the tree is a JVM whose counters could be read (see sampler/jvm_perfdata_reader.hpp).
    std::uint64_t runtime_heap_used = kUnknownBytes;       ///< bytes in use in the JVM's heap (all generations)
    std::uint64_t runtime_heap_committed = kUnknownBytes;  ///< bytes the heap has committed (its capacity)
    std::uint64_t runtime_heap_max = kUnknownBytes;        ///< the most it may commit (-Xmx)
    std::uint64_t runtime_old_gen_used = kUnknownBytes;    ///< the old generation's used bytes
    /// Eden's used bytes: what was allocated since the last young collection (heap used less eden is what
    /// survived the collections). Recordings before session 10 do not have it.
    std::uint64_t runtime_eden_used = kUnknownBytes;
    std::uint64_t runtime_metaspace_used = kUnknownBytes;  ///< class metadata (HotSpot updates it at collections)
    std::uint64_t runtime_young_gcs = kUnknownBytes;       ///< cumulative young (G1: young and mixed) collections
    std::uint64_t runtime_full_gcs = kUnknownBytes;        ///< cumulative full collections
    std::uint64_t runtime_concurrent_gcs = kUnknownBytes;  ///< cumulative concurrent-cycle pauses (G1, ZGC)
    /// JVMs of the tree (libjvm.so mapped) whose counters were not found, for seconds after they started:
    /// run with -XX:-UsePerfData or -XX:+PerfDisableSharedMem, or a /tmp leakscope cannot see. Their heap
    /// is not measured, and RSS does not show a leak inside what a JVM has committed. Recordings before
    /// format 2.7 do not have it (unknown).
    std::uint64_t runtime_unread_jvms = kUnknownBytes;

    std::uint64_t events = 0;  ///< cumulative work units (--events-regex, leakscope_event())
};

}  // namespace leakscope
