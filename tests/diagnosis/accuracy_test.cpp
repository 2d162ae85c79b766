// The accuracy gate: 150 generated series per pattern (fixed seed, a different one from the
// benchmark's), the thresholds unchanged.
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

}  // namespace
}  // namespace leakscope::diagnosis
