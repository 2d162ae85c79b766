// diagnosis_inspect PATTERN SEED [csv]: generates one labelled series, diagnoses it and prints the
// verdict next to the truth (and the series as CSV with "csv"). For looking into a misclassification
// the accuracy benchmark reports.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "diagnosis_bench/synthetic.hpp"
#include "diagnosis/units.hpp"

int main(int argc, char** argv) {
    using namespace leakscope::diagnosis;
    // A real-program class (late_onset, capacity_doubling, ...) is generated as the accuracy gate does,
    // with runs of at most 20,000 samples.
    std::optional<synthetic::RealProgramClass> real_class;
    for (synthetic::RealProgramClass kind : synthetic::kRealProgramClasses)
        if (argc > 1 && synthetic::to_string(kind) == argv[1]) real_class = kind;
    if (argc < 3 || (!pattern_from_string(argv[1]) && !real_class)) {
        std::fprintf(stderr, "usage: %s PATTERN|REAL_PROGRAM_CLASS SEED [csv]\n", argv[0]);
        return 2;
    }
    const std::uint64_t seed = std::strtoull(argv[2], nullptr, 10);
    const auto labelled = real_class ? synthetic::generate(*real_class, seed, {.max_samples = 20'000})
                                     : synthetic::generate(*pattern_from_string(argv[1]), seed);
    const ProcessDiagnosis result = diagnose_process(labelled.series);
    const Diagnosis& d = result.verdict;
    std::printf("truth: %s leak=%d rate=%s warmup=%s end=%.1f s\n%s\n", std::string(to_string(labelled.pattern)).c_str(),
                labelled.leak, format_rate_per_s(labelled.true_rate_bytes_per_s).c_str(), format_bytes(labelled.warmup_bytes).c_str(),
                labelled.warmup_end_s, labelled.description.c_str());
    std::printf("got:   %s leak=%d rate=%s [%s, %s] p=%.3g warmup=%s end=%.1f period=%.1f conf=%.2f metric=%s\n%s\n",
                std::string(to_string(d.pattern)).c_str(), d.leak, format_rate_per_s(d.steady_rate_bytes_per_s).c_str(),
                format_rate_per_s(d.rate_ci_low_bytes_per_s).c_str(), format_rate_per_s(d.rate_ci_high_bytes_per_s).c_str(),
                d.trend_p_value, format_bytes(d.warmup_bytes).c_str(), d.warmup_end_s, d.period_s.value_or(0), d.confidence,
                result.metric.c_str(), d.summary.c_str());
    std::printf("change points:");
    for (double t : d.change_points_s) std::printf(" %.1f", t);
    std::printf("\n");
    if (argc > 3 && std::strcmp(argv[3], "csv") == 0) {
        const Series& s = labelled.series.rss;
        for (std::size_t i = 0; i < s.t_s.size(); ++i)
            std::printf("%.3f,%.0f,%.0f\n", s.t_s[i], s.value[i], labelled.series.live_heap ? labelled.series.live_heap->value[i] : 0.0);
    }
    return 0;
}
