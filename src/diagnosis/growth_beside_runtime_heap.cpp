#include "diagnosis/growth_beside_runtime_heap.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

void undecided_beside_a_flat_runtime_heap(ProcessDiagnosis& result, const ProcessSeries& series, const std::string& runtime_evidence) {
    Diagnosis& verdict = result.verdict;
    if (!verdict.leak || !verdict.decided || !series.runtime_heap) return;
    // The series the leak was called on: RSS, or the malloc heap the tracker saw (the runtime's own
    // native allocations, which settle as its compiled code and metadata do).
    const bool on_malloc_heap = result.metric == "live_heap" && series.live_heap;
    if (!on_malloc_heap && result.metric != "rss") return;
    const Series& grew = on_malloc_heap ? *series.live_heap : series.rss;
    if (grew.t_s.size() < 2) return;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double to_s = grew.t_s.back();
    const double rate = verdict.steady_rate_bytes_per_s;
    if (!(to_s > from_s) || !(rate > 0)) return;
    // What the verdict's own pace added since then: a leak under a sawtooth may end at a low.
    const double span_s = to_s - from_s;
    const double grown = rate * span_s;
    if (grown >= kSettlingNativeBytes || span_s >= kSettlingNativeSpan_s) return;

    const std::string said = verdict.summary;
    const std::string& runtime = series.runtime_heap->runtime;
    // Whichever comes first: the growth outgrowing settling at its pace, or the pace outlasting it.
    make_undecided(verdict, std::min((kSettlingNativeBytes - grown) / rate, kSettlingNativeSpan_s - span_s));
    const char* what_grew = on_malloc_heap ? "the malloc heap" : "RSS";
    verdict.summary = fmt::format(
        "Undecided: {} grew {} at {} since the warm-up, but what is live in the {}'s heap did not ({}). The growth is the "
        "{}'s own memory ({}), which grows for minutes after start-up, and a native leak (JNI, direct buffers, threads) "
        "looks the same until it outgrows that: watch at least {} more. {} alone said: {}",
        what_grew, format_bytes(grown), format_rate(rate), runtime, runtime_evidence, runtime,
        on_malloc_heap ? "compiled code, class metadata, the collector's tables" : "heap it commits ahead of use, compiled code, class metadata",
        format_duration(*verdict.watch_more_s), on_malloc_heap ? "The malloc heap" : "RSS", said);
}

}  // namespace leakscope::diagnosis::detail
