// RSS growth into memory the process mapped earlier. While its private writable mappings (VmData: the
// brk heap, malloc arenas, anonymous mmaps, thread stacks, resident or not) keep their size, RSS can
// only grow by writing pages it already has mapped for the first time: a ring or pool allocated at
// start and filled, an allocator's cache or a runtime's heap touched page by page. That growth ends by
// the time those mappings are resident in full; a leak has to map more, and VmData grows with it
// (measured on the accuracy corpus: every leak's VmData grew by 0.8 to 1.6 times its anonymous RSS
// gain — malloc, jemalloc, mmap, thread stacks, the JVM, V8 — while a calloc'ed ring and jemalloc's
// pool filled with VmData flat). It is the one bound RSS alone can give, so `attach` and --no-track
// can tell a buffer being filled from a leak.
#pragma once

#include <optional>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/classify.hpp"

namespace leakscope::diagnosis::detail {

struct MappedCeiling {
    double anon_gain = 0;     ///< anonymous RSS gained over the window
    double vm_data_gain = 0;  ///< what the private writable mappings grew meanwhile
    double vm_data = 0;       ///< their size at the end
    double headroom = 0;      ///< mapped but not yet resident at the end: how much more RSS can grow
    double ceiling = 0;       ///< RSS once all of it is resident
};

/// The bound, when RSS grew over [from_s, to_s] in anonymous memory while the private writable mappings
/// did not grow with it, and that bound lies below `limit_bytes` (when known). nullopt otherwise, or
/// when the recording has no VmData (older than format 2.5) or no anonymous RSS.
std::optional<MappedCeiling> growth_into_mapped_memory(const ProcessSeries& series, double from_s, double to_s,
                                                       std::optional<double> limit_bytes);

/// The verdict for RSS's growth bounded that way: no leak, a warm-up still filling toward the ceiling.
Diagnosis filling_mapped_memory(const DetailedDiagnosis& rss, const MappedCeiling& ceiling);

}  // namespace leakscope::diagnosis::detail
