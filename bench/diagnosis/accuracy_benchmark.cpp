// bench_diagnosis_accuracy [per_pattern=1000] [seed=314159] [max_samples=100000] [all|patterns]
// Prints leak precision/recall, pattern macro-F1, median rate error, the score of each class and the
// confusion matrix (Markdown) for the README. "all" (the default) adds the real-program classes of
// issue 11 to the generated patterns; "patterns" scores the patterns alone. The seed differs from the
// one the thresholds were developed on.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "diagnosis_bench/accuracy.hpp"

int main(int argc, char** argv) {
    using namespace leakscope::diagnosis;
    const std::size_t per_pattern = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
    const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 314159;
    synthetic::GeneratorOptions generator;
    if (argc > 3) generator.max_samples = std::strtoull(argv[3], nullptr, 10);
    const bool verbose = std::getenv("LEAKSCOPE_BENCH_VERBOSE") != nullptr;
    const std::string set = argc > 4 ? argv[4] : "all";
    if (per_pattern == 0 || (set != "all" && set != "patterns")) {
        std::fprintf(stderr, "usage: %s [per_pattern>0] [seed] [max_samples] [all|patterns]\n", argv[0]);
        return 2;
    }
    const AccuracyReport report = evaluate_accuracy(per_pattern, seed, generator, set == "all");
    std::printf("series: %zu (%zu per class, %s, seed %llu, %zu..%zu samples), %.1f s\n", report.series, per_pattern,
                set == "all" ? "patterns and real-program classes" : "patterns only", static_cast<unsigned long long>(seed),
                generator.min_samples, generator.max_samples, report.seconds);
    std::printf("leak precision: %.4f (target >= 0.98)\n", report.precision());
    std::printf("leak recall:    %.4f (target >= 0.95)\n", report.recall());
    std::printf("pattern macro-F1: %.4f (target >= 0.90)\n", report.macro_f1());
    std::printf("median rate error: %.2f%% (target <= 10%%) over %zu leaking series\n", 100 * report.median_rate_error(), report.rate_errors.size());
    std::printf("leak confusion: TP %zu FP %zu FN %zu TN %zu\n\n", report.true_positive, report.false_positive,
                report.false_negative, report.true_negative);
    std::printf("%s\n", report.classes_markdown().c_str());
    if (!report.violations.empty()) {
        std::printf("broken invariants (tests/support/diagnosis_bench/report_invariants.hpp), verdicts:");
        for (const auto& [name, count] : report.violations) std::printf(" %s %zu", name.c_str(), count);
        std::printf("\n\n");
    }
    std::printf("%s", report.confusion_markdown().c_str());
    if (verbose)
        for (const std::string& failure : report.failures) std::printf("%s\n", failure.c_str());
    return 0;
}
