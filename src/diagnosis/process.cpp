// diagnose_process: RSS plus, when the tracker ran, the live heap and mapped bytes. The verdict rests
// on the live heap when known (it is what the program holds); RSS that grows while the heap does not
// is the allocator keeping freed memory: fragmentation, named as such and not called a leak.
#include <cmath>
#include <stdexcept>

#include "diagnosis/classify.hpp"
#include "diagnosis/severity_projection.hpp"

namespace leakscope::diagnosis {
namespace {

// Fragmentation needs RSS growth the heap does not explain: the heap itself not growing, or growing
// at under a quarter of the RSS rate.
constexpr double kHeapShareForLeak = 0.25;

void require_same_grid(const Series& part, const Series& rss, const char* name) {
    if (part.t_s.size() != rss.t_s.size())
        throw std::invalid_argument(std::string("diagnose_process: ") + name + " must be sampled at the same times as rss");
}

}  // namespace

ProcessDiagnosis diagnose_process(const ProcessSeries& series, const Options& options) {
    ProcessDiagnosis result;
    const detail::DetailedDiagnosis rss = detail::diagnose_detailed(series.rss, options);
    result.rss = rss.diagnosis;
    result.verdict = rss.diagnosis;
    result.metric = "rss";
    if (!series.live_heap) return result;
    require_same_grid(*series.live_heap, series.rss, "live_heap");
    if (series.mapped) require_same_grid(*series.mapped, series.rss, "mapped");

    // The heap has no limit of its own: the limit applies to RSS, so the projection comes from RSS.
    Options heap_options = options;
    heap_options.limit_bytes.reset();
    const detail::DetailedDiagnosis heap = detail::diagnose_detailed(*series.live_heap, heap_options);
    result.live_heap = heap.diagnosis;
    if (heap.diagnosis.pattern == Pattern::insufficient_data) return result;

    ProcessDiagnosis::Decomposition parts;
    parts.rss_rate = rss.diagnosis.steady_rate_bytes_per_s;
    parts.live_heap_rate = heap.diagnosis.steady_rate_bytes_per_s;
    if (series.mapped) parts.mapped_rate = diagnose(*series.mapped, heap_options).steady_rate_bytes_per_s;
    // What RSS gained that neither the live heap nor other mappings account for: pages the allocator
    // holds for freed blocks (fragmentation, arenas, caches).
    parts.allocator_retained_rate = parts.rss_rate - parts.live_heap_rate - parts.mapped_rate;
    result.decomposition = parts;

    const bool heap_explains_growth = heap.growing && heap.diagnosis.steady_rate_bytes_per_s >= kHeapShareForLeak * parts.rss_rate;
    if (rss.growing && !heap_explains_growth) {
        Diagnosis verdict = rss.diagnosis;
        verdict.pattern = Pattern::fragmentation;
        verdict.leak = false;
        detail::SummaryFacts facts = rss.facts;
        facts.live_heap_rate = heap.diagnosis.steady_rate_bytes_per_s;
        verdict.summary = detail::summarize(verdict, facts);
        result.verdict = verdict;
        result.metric = "rss";
        return result;
    }
    Diagnosis verdict = heap.diagnosis;
    // When it hurts is a question about RSS (the limit is on RSS): take RSS's projection.
    verdict.limit_bytes = rss.diagnosis.limit_bytes;
    verdict.time_to_limit_s = rss.diagnosis.time_to_limit_s;
    verdict.restart_interval_s = rss.diagnosis.restart_interval_s;
    verdict.fraction_of_samples_near_limit = rss.diagnosis.fraction_of_samples_near_limit;
    if (static_cast<int>(rss.diagnosis.severity) > static_cast<int>(verdict.severity)) verdict.severity = rss.diagnosis.severity;
    result.verdict = verdict;
    result.metric = "live_heap";
    return result;
}

}  // namespace leakscope::diagnosis
