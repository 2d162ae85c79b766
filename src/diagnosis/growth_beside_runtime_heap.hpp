// RSS that grows while a managed runtime's own heap is proven flat grows outside that heap: in the
// runtime's native memory. A JVM's native memory keeps growing for minutes after start-up without any
// leak (the JIT's compiled code, class metadata loaded on first use, the collector's bookkeeping), and
// a leak there (JNI, direct buffers, threads never joined) looks the same for as long. Measured with
// tests/e2e/jvm/HeapService.java under G1 (heap pre-touched, an LRU cache whose reclamation lows stayed
// at 54.9-57.0 MB): RSS crept 213 -> 215 MB in 30 s after the warm-up, and RSS alone said "Leak 172 MB/h"
// in one run of three. So that growth is undecided until it outgrows what settling native memory
// plausibly adds (kSettlingNativeBytes) or keeps its pace longer than a warm-up does
// (kSettlingNativeSpan_s), and the summary says where it is, and where it is not.
#pragma once

#include "diagnosis/classify.hpp"
#include "diagnosis/diagnosis.hpp"
#include "diagnosis/runtime_heap.hpp"

namespace leakscope::diagnosis::detail {

/// A JVM's native areas after start-up: code cache, metaspace and the collector's structures together
/// reach tens of MB in a service (the code cache alone is reserved at 240 MiB with tiered compilation,
/// and a service fills a few tens of MB of it); growth beyond this is more than settling.
inline constexpr double kSettlingNativeBytes = 32.0 * 1024 * 1024;
/// Compilation and lazy class loading settle within minutes of steady load; a pace kept this long is not
/// their tail.
inline constexpr double kSettlingNativeSpan_s = 30 * 60;

/// A decided leak judged from RSS or the malloc heap, in a process whose runtime heap `runtime_evidence` proves flat,
/// becomes undecided ("growth outside the JVM's heap") unless the growth since the warm-up (or onset)
/// outgrew kSettlingNativeBytes or lasted kSettlingNativeSpan_s. Anything else is left as it is.
void undecided_beside_a_flat_runtime_heap(ProcessDiagnosis& result, const ProcessSeries& series, const std::string& runtime_evidence);

/// A decided leak of the malloc heap whose growth since its warm-up is no more than a runtime's native
/// memory adds while settling (kSettlingNativeBytes, kSettlingNativeSpan_s), or such a leak of RSS whose
/// pace is known only roughly (its interval's low end under kPreciseLowEndShareOfRate of it): RSS also
/// holds the pages of a heap that grows, which a precise pace beside that heap's own climb is.
bool growth_may_be_the_runtimes_own(const ProcessDiagnosis& result, const ProcessSeries& series);

/// For such a leak, when the runtime heap is neither proven flat nor proves a leak itself
/// (`runtime_finding`: runtime_heap_leak's; the caller checks). Undecided, waiting for whichever of the two
/// needs longer. The malloc heap: a JVM's compiler and monitors kept adding 2.4 kB/s to it over two minutes
/// of a bounded cache (its old generation never collected), read "Leak, critical" where RSS alone said
/// undecided. RSS: tests/e2e/jvm/HeapService.java's LRU cache under G1, heap pre-touched, RSS 212 -> 213 MB
/// in 30 s, read "Leak 87.2 MB/h (95% CI 44.2 to 119 MB/h)" in one clean clone of three (sessions 15, 27,
/// 29: 172, 134 and 87.2 MB/h, the interval's low end 0.34-0.61 of the pace) whenever its marking cycles'
/// lows had not yet settled into a band.
void undecided_beside_an_unproven_runtime_heap(ProcessDiagnosis& result, const ProcessSeries& series,
                                              const std::optional<RuntimeHeapFinding>& runtime_finding);

}  // namespace leakscope::diagnosis::detail
