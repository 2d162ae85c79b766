#include "diagnosis/growth_beside_runtime_heap.hpp"

#include <algorithm>
#include <optional>
#include <fmt/format.h>

#include "diagnosis/imprecise_small_rise.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

namespace {

/// The leak verdict's growth since its warm-up (or onset), on the series it was called on, when it is
/// no more than a JVM's native memory adds while settling; nullopt when it outgrew that or outlasted
/// it, or the verdict is not one this judges.
struct SettlingSizedGrowth {
    bool on_malloc_heap = false;
    double grown_bytes = 0;
    double rate = 0;
    double wait_s = 0;  ///< until it would outgrow settling at its pace, or outlast it
};

std::optional<SettlingSizedGrowth> settling_sized_growth(const ProcessDiagnosis& result, const ProcessSeries& series) {
    const Diagnosis& verdict = result.verdict;
    if (!verdict.leak || !verdict.decided || !series.runtime_heap) return std::nullopt;
    // The series the leak was called on: RSS, or the malloc heap the tracker saw (the runtime's own
    // native allocations, which settle as its compiled code and metadata do).
    const bool on_malloc_heap = result.metric == "live_heap" && series.live_heap;
    if (!on_malloc_heap && result.metric != "rss") return std::nullopt;
    const Series& grew = on_malloc_heap ? *series.live_heap : series.rss;
    if (grew.t_s.size() < 2) return std::nullopt;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double to_s = grew.t_s.back();
    const double rate = verdict.steady_rate_bytes_per_s;
    if (!(to_s > from_s) || !(rate > 0)) return std::nullopt;
    // What the verdict's own pace added since then: a leak under a sawtooth may end at a low.
    const double span_s = to_s - from_s;
    const double grown = rate * span_s;
    if (grown >= kSettlingNativeBytes || span_s >= kSettlingNativeSpan_s) return std::nullopt;
    // Whichever comes first: the growth outgrowing settling at its pace, or the pace outlasting it.
    return SettlingSizedGrowth{on_malloc_heap, grown, rate,
                               std::min((kSettlingNativeBytes - grown) / rate, kSettlingNativeSpan_s - span_s)};
}

const char* runtimes_own_memory(bool on_malloc_heap) {
    return on_malloc_heap ? "compiled code, class metadata, the collector's tables"
                          : "heap it commits ahead of use, compiled code, class metadata";
}

}  // namespace

bool growth_may_be_the_runtimes_own(const ProcessDiagnosis& result, const ProcessSeries& series) {
    const auto growth = settling_sized_growth(result, series);
    if (!growth) return false;
    if (growth->on_malloc_heap) return true;
    // RSS: also the pages of a heap that grows, whose own figures prove a leak in time (java_cancelled_timeouts,
    // RSS 400 MB/h, 95% CI 399 to 400 MB/h, for 90 s beside an old generation not yet collected); a pace known
    // only roughly is what settling shows (the G1 cache: 87.2 MB/h, 95% CI 44.2 to 119 MB/h).
    const Diagnosis& verdict = result.verdict;
    return verdict.rate_ci_low_bytes_per_s < kPreciseLowEndShareOfRate * verdict.steady_rate_bytes_per_s;
}

void undecided_beside_a_flat_runtime_heap(ProcessDiagnosis& result, const ProcessSeries& series, const std::string& runtime_evidence) {
    const auto growth = settling_sized_growth(result, series);
    if (!growth) return;
    Diagnosis& verdict = result.verdict;
    const std::string said = verdict.summary;
    const std::string& runtime = series.runtime_heap->runtime;
    make_undecided(verdict, growth->wait_s);
    verdict.summary = fmt::format(
        "Undecided: {} grew {} at {} since the warm-up, but what is live in the {}'s heap did not ({}). The growth is the "
        "{}'s own memory ({}), which grows for minutes after start-up, and a native leak (JNI, direct buffers, threads) "
        "looks the same until it outgrows that: watch at least {} more. {} alone said: {}",
        growth->on_malloc_heap ? "the malloc heap" : "RSS", format_bytes(growth->grown_bytes), format_rate(growth->rate), runtime,
        runtime_evidence, runtime, runtimes_own_memory(growth->on_malloc_heap), format_duration(*verdict.watch_more_s),
        growth->on_malloc_heap ? "The malloc heap" : "RSS", said);
}

void undecided_beside_an_unproven_runtime_heap(ProcessDiagnosis& result, const ProcessSeries& series,
                                              const std::optional<RuntimeHeapFinding>& runtime_finding) {
    const auto growth = settling_sized_growth(result, series);
    if (!growth) return;
    Diagnosis& verdict = result.verdict;
    const std::string said = verdict.summary;
    const std::string& runtime = series.runtime_heap->runtime;
    const bool runtime_waits = runtime_finding && !runtime_finding->diagnosis.decided && runtime_finding->diagnosis.watch_more_s;
    make_undecided(verdict, std::max(growth->wait_s, runtime_waits ? *runtime_finding->diagnosis.watch_more_s : 0.0));
    const std::string runtime_heap_said =
        runtime_waits ? fmt::format(" Its heap cannot tell yet either: {}", runtime_finding->diagnosis.summary)
                      : fmt::format(" Its heap's collections have not shown whether what is live grows ({}).",
                                    runtime_finding && !runtime_finding->evidence.empty() ? runtime_finding->evidence
                                                                                          : "too few of them yet");
    const char* grew = growth->on_malloc_heap ? "the malloc heap" : "RSS";
    verdict.summary = fmt::format(
        "Undecided: {} grew {} at {} since the warm-up. In a {} that is its own memory ({}), which grows for "
        "minutes after start-up, and a leak (in its heap, or a native one: JNI, direct buffers, threads) looks the "
        "same until it outgrows that: watch at least {} more.{} {} alone said: {}",
        grew, format_bytes(growth->grown_bytes), format_rate(growth->rate), runtime, runtimes_own_memory(growth->on_malloc_heap),
        format_duration(*verdict.watch_more_s), runtime_heap_said, growth->on_malloc_heap ? "The malloc heap" : "RSS", said);
}

}  // namespace leakscope::diagnosis::detail
