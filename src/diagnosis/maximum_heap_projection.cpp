#include "diagnosis/maximum_heap_projection.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <string>

#include "diagnosis/severity_projection.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {
namespace {

// Growth the runtime's heap could hold: in RSS alone, or in anonymous memory (its heap is an anonymous
// mapping), not in thread stacks, files or glibc's brk heap only.
bool growth_may_be_in_the_runtime_heap(const ProcessDiagnosis& result) {
    if (result.rss_growth != RssGrowth::outside_heap && result.rss_growth != RssGrowth::none) return false;
    return result.rss_growth_where.empty() || result.rss_growth_where.find("anonymous") != std::string::npos;
}

}  // namespace

void project_to_the_maximum_heap(ProcessDiagnosis& result, const ProcessSeries::RuntimeHeap& heap, double process_level_bytes) {
    Diagnosis& verdict = result.verdict;
    if (!verdict.leak || !verdict.decided || result.metric != "rss" || !heap.max_bytes || heap.used.t_s.empty() ||
        !growth_may_be_in_the_runtime_heap(result))
        return;
    // What survived the collections (used less eden) is nearer what is live than the heap in use; its
    // climb over the verdict's steady part is the pace the heap can fill at. RSS's own pace may be the
    // JVM's warm-up (a 240 s run read 3.99 MB/s of RSS while what survived rose 0.1 MB/s): the heap's
    // figures show how much of it the heap took.
    const std::vector<double>& held = heap.survived.size() == heap.used.value.size() ? heap.survived : heap.used.value;
    const std::vector<double>& t = heap.used.t_s;
    const std::size_t from = std::min<std::size_t>(std::lower_bound(t.begin(), t.end(), verdict.onset_s.value_or(verdict.warmup_end_s)) - t.begin(),
                                                   t.size() - 1);
    if (!(t.back() > t[from]) || !(held.back() > held[from])) return;
    PeakLine line;
    line.at_end = held.back();
    line.at_steady_start = held[from];
    Diagnosis to_heap = verdict;
    to_heap.steady_rate_bytes_per_s = std::min(verdict.steady_rate_bytes_per_s, (held.back() - held[from]) / (t.back() - t[from]));
    project(to_heap, true, line, t.front(), held, heap.max_bytes);
    if (!to_heap.time_to_limit_s) return;
    if (verdict.time_to_limit_s && *verdict.time_to_limit_s <= *to_heap.time_to_limit_s) return;

    const std::string rss_side =
        !verdict.limit_bytes        ? std::string()
        : verdict.time_to_limit_s   ? fmt::format(" RSS itself reaches its {} limit in {}.", format_bytes(*verdict.limit_bytes),
                                                  format_duration(*verdict.time_to_limit_s))
                                    : fmt::format(" RSS itself is far from its {} limit.", format_bytes(*verdict.limit_bytes));
    const std::string said = projection_sentence(verdict);
    verdict.limit_bytes = to_heap.limit_bytes;
    verdict.time_to_limit_s = to_heap.time_to_limit_s;
    verdict.restart_interval_s = to_heap.restart_interval_s;
    verdict.fraction_of_samples_near_limit = to_heap.fraction_of_samples_near_limit;
    verdict.severity = grade(verdict, true, process_level_bytes);
    // As projection_sentence says it: a restart interval longer than the time left counts from a start.
    const std::string restart =
        !verdict.restart_interval_s ? std::string("; even a fresh start does not leave 10% headroom")
        : *verdict.restart_interval_s > *verdict.time_to_limit_s
            ? fmt::format("; restarting it {} after each start keeps it under", format_duration(*verdict.restart_interval_s))
            : fmt::format("; restarting every {} keeps it under", format_duration(*verdict.restart_interval_s));
    const std::string says = fmt::format(
        " What survives the {}'s collections rose {} since {} (to {} of its {} maximum heap): if that is the leak, the heap is "
        "full in {} and the {} fails with an OutOfMemoryError{}.{}",
        heap.runtime, format_rate(to_heap.steady_rate_bytes_per_s), format_duration(t[from]), format_bytes(line.at_end),
        format_bytes(*heap.max_bytes), format_duration(*verdict.time_to_limit_s), heap.runtime, restart, rss_side);
    const auto at = said.empty() ? std::string::npos : verdict.summary.find(said);
    if (at != std::string::npos) verdict.summary.replace(at, said.size(), says);
    else verdict.summary += says;
    result.limit_source = "JVM maximum heap";
}

}  // namespace leakscope::diagnosis::detail
