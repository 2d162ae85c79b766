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

    // From the allocation tracker; kUnknownBytes when it is off.
    std::uint64_t live_heap = kUnknownBytes;  ///< bytes in live malloc/new allocations
    std::uint64_t live_heap_min = kUnknownBytes;
    std::uint64_t live_heap_max = kUnknownBytes;
    std::uint64_t mapped = kUnknownBytes;       ///< bytes in live anonymous mmap regions
    std::uint64_t allocations = kUnknownBytes;  ///< cumulative allocation calls
    std::uint64_t frees = kUnknownBytes;        ///< cumulative free calls

    std::uint64_t events = 0;  ///< cumulative work units (--events-regex, leakscope_event())
};

}  // namespace leakscope
