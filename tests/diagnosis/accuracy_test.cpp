// The accuracy gates: generated series (fixed seed, a different one from the benchmark's), the
// issue's thresholds unchanged; once on the patterns, once with the real-program classes in.
#include "diagnosis_bench/accuracy.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace leakscope::diagnosis {
namespace {

TEST(Accuracy, MeetsTheThresholdsOnGeneratedSeries) {
    const AccuracyReport report = evaluate_accuracy(150, 777);
    std::printf("precision %.4f recall %.4f macro-F1 %.4f median rate error %.2f%%\n%s", report.precision(), report.recall(),
                report.macro_f1(), 100 * report.median_rate_error(), report.confusion_markdown().c_str());
    std::string failures;
    for (std::size_t i = 0; i < std::min<std::size_t>(10, report.failures.size()); ++i) failures += report.failures[i] + "\n";
    EXPECT_GE(report.precision(), 0.98) << report.confusion_markdown() << failures;
    EXPECT_GE(report.recall(), 0.95) << report.confusion_markdown() << failures;
    EXPECT_GE(report.macro_f1(), 0.90) << report.confusion_markdown() << failures;
    EXPECT_LE(report.median_rate_error(), 0.10);
    EXPECT_EQ(report.series, 150u * std::size(synthetic::kGeneratedPatterns));
}

// Issue 11: the same thresholds with the real-program classes in (late onset, capacity doubling, page
// creep, saturating warm-ups, teardown), 100 of each class and runs of up to 20,000 samples, so that
// it costs about what the gate above does.
TEST(Accuracy, MeetsTheThresholdsWithTheRealProgramClasses) {
    const AccuracyReport report = evaluate_accuracy(100, 777, {.max_samples = 20'000}, true);
    std::printf("precision %.4f recall %.4f macro-F1 %.4f median rate error %.2f%%\n%s\n%s", report.precision(), report.recall(),
                report.macro_f1(), 100 * report.median_rate_error(), report.classes_markdown().c_str(),
                report.confusion_markdown().c_str());
    std::string failures;
    for (synthetic::RealProgramClass kind : synthetic::kRealProgramClasses) {  // a few misses of each new class
        std::string prefix = "[";
        prefix.append(to_string(kind)).append(" ");
        int shown = 0;
        for (const std::string& failure : report.failures)
            if (failure.starts_with(prefix) && shown++ < 3) failures += failure + "\n";
    }
    EXPECT_GE(report.precision(), 0.98) << report.classes_markdown() << failures;
    EXPECT_GE(report.recall(), 0.95) << report.classes_markdown() << failures;
    EXPECT_GE(report.macro_f1(), 0.90) << report.confusion_markdown();
    EXPECT_LE(report.median_rate_error(), 0.10);
    EXPECT_EQ(report.series, 100u * (std::size(synthetic::kGeneratedPatterns) + std::size(synthetic::kRealProgramClasses)));
}

}  // namespace
}  // namespace leakscope::diagnosis
