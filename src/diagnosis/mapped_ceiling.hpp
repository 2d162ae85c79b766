// RSS growth into memory the process mapped earlier. While its private writable mappings (VmData: the
// brk heap, malloc arenas, anonymous mmaps, thread stacks, resident or not) keep their size, RSS can
// only grow by writing pages it already has mapped for the first time: a ring or pool allocated at
// start and filled, an allocator's cache or a runtime's heap touched page by page. That growth ends by
// the time those mappings are resident in full; a leak has to map more, and VmData grows with it
// (measured on the accuracy corpus: the leaks through glibc's malloc, mmap, thread stacks and V8 grew
// VmData by 0.8 to 1.6 times their anonymous RSS gain, while a calloc'ed ring filled with VmData flat).
// It is the one bound RSS alone can give, so `attach` and --no-track can tell a buffer being filled
// from a leak — once the growth has used enough of that room to test it. jemalloc maps tens of MB
// ahead of use: two of its leaks (c_jemalloc_span_leak, jemalloc_ocsp_cache_late_leak) gained 0.55
// and 1.25 MB with VmData flat and 33-60 MB still to fill, which would last them minutes. Until a
// growth has filled a fifth of what it grows into, the bound is untested: undecided, watch until the
// room would be used at the pace seen.
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
    double fill_s = 0;        ///< how long the headroom lasts at the pace RSS gained over the window
    double allocator_slack = 0;  ///< what malloc may touch without mapping more (kArenaTopSlackBytes a thread)
    double rate = 0;          ///< RSS's pace over the window
};

/// The bound decides once the growth has filled this share of the room it grows into (what it gained
/// over the window, plus the headroom left): before that, a leak has not yet had to map more.
inline constexpr double kFilledShareToTestTheBound = 0.2;

/// Nor before the growth outgrew what glibc's malloc keeps mapped ahead of use: each arena extends its
/// top by the request plus M_TOP_PAD (128 KiB by default) and trims only past M_TRIM_THRESHOLD (128 KiB),
/// so up to about that much of every arena is writable, counted in VmData, and not yet touched. A leak
/// of a few kB/s spread over the arenas of a threaded service fills that room first, with VmData flat:
/// trace_logger_registry_slow_leak (16 kB/s, five threads) gained 295 kB of anonymous RSS over 12 s
/// while VmData gained 25 kB. One arena a thread at most (glibc makes up to 8 per core).
inline constexpr double kArenaTopSlackBytes = 128.0 * 1024;

/// The bound, when RSS grew over [from_s, to_s] in anonymous memory while the private writable mappings
/// did not grow with it, and that bound lies below `limit_bytes` (when known). nullopt otherwise, or
/// when the recording has no VmData (older than format 2.5) or no anonymous RSS.
std::optional<MappedCeiling> growth_into_mapped_memory(const ProcessSeries& series, double from_s, double to_s,
                                                       std::optional<double> limit_bytes);

/// Whether the growth has used enough of the room to test the bound (kFilledShareToTestTheBound), and
/// more than the allocator's own slack (kArenaTopSlackBytes).
bool bound_tested(const MappedCeiling& ceiling);

/// The verdict for RSS's growth bounded that way: no leak, a warm-up still filling toward the ceiling.
Diagnosis filling_mapped_memory(const DetailedDiagnosis& rss, const MappedCeiling& ceiling);

/// The verdict while the bound is untested: undecided, watch until the headroom would be used.
Diagnosis filling_untested_room(const DetailedDiagnosis& rss, const MappedCeiling& ceiling);

}  // namespace leakscope::diagnosis::detail
