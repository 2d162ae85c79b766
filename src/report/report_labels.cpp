#include "report/report_labels.hpp"

#include <fmt/format.h>

namespace leakscope::report {

using diagnosis::Pattern;
using diagnosis::Severity;

std::string_view pattern_label(Pattern pattern) {
    switch (pattern) {
        case Pattern::stable: return "stable";
        case Pattern::warmup_plateau: return "warm-up, then plateau";
        case Pattern::bounded_sawtooth: return "bounded sawtooth";
        case Pattern::periodic_spikes: return "periodic spikes";
        case Pattern::linear_growth: return "steady linear growth";
        case Pattern::staircase_growth: return "staircase growth";
        case Pattern::accelerating_growth: return "accelerating growth";
        case Pattern::fragmentation: return "allocator fragmentation";
        case Pattern::insufficient_data: return "not enough data";
    }
    return "unknown";
}

std::string_view pattern_id(Pattern pattern) { return diagnosis::to_string(pattern); }

std::string_view severity_label(Severity severity) { return diagnosis::to_string(severity); }

std::string_view metric_label(std::string_view metric) {
    if (metric == "live_heap") return "live heap";
    if (metric == "rss") return "RSS";
    if (metric == "pss") return "PSS";
    if (metric == "jvm_heap") return "JVM heap";
    if (metric == "go_heap") return "Go heap";
    return metric;
}

std::string_view verdict_metric_label(const diagnosis::ProcessDiagnosis& process) {
    if (process.metric.empty()) return metric_label("rss");
    if (process.metric != "live_heap") return metric_label(process.metric);
    // Only growth has a share to tell (a flat series' gain is noise); an undecided one grows too.
    const auto& v = process.verdict;
    if (!(v.steady_rate_bytes_per_s > 0) || !(v.leak || !v.decided)) return metric_label(process.metric);
    if (process.mapped_share_of_gain >= kMostlyMapped) return "mmap'ed memory";
    if (process.mapped_share_of_gain >= 1 - kMostlyMapped) return "live heap and mmap'ed memory";
    return metric_label(process.metric);
}

std::string without_final_report_text(std::size_t without, std::size_t processes, bool go) {
    if (go)
        return fmt::format("{} of {} processes ended without a final report (a Go program exits by its own system call, which "
                           "the tracker's exit hooks do not see): their last state is shown",
                           without, processes);
    return fmt::format("{} of {} processes died without a final report: their last state is shown", without, processes);
}

std::string_view schema_metric(std::string_view metric) { return metric == "jvm_heap" || metric == "go_heap" ? "rss" : metric; }

std::string_view verdict_word(const diagnosis::Diagnosis& verdict) {
    if (verdict.pattern == Pattern::insufficient_data) return "Not enough data";
    if (!verdict.decided) return "Undecided";
    // RSS grows, but not because the program holds more: "No leak" alone would read as "all is well".
    if (verdict.pattern == Pattern::fragmentation && !verdict.leak) return "No heap leak";
    return verdict.leak ? "Leak" : "No leak";
}

}  // namespace leakscope::report
