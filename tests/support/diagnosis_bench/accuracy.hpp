// Accuracy of diagnose()/diagnose_process() on labelled synthetic series: leak precision/recall,
// pattern confusion matrix and macro-F1, rate error. Shared by the CI test and the benchmark.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "diagnosis_bench/synthetic.hpp"

namespace leakscope::diagnosis {

inline constexpr std::size_t kPatternCount = 9;  // every Pattern, insufficient_data last

struct AccuracyReport {
    std::size_t series = 0;
    std::size_t true_positive = 0, false_positive = 0, false_negative = 0, true_negative = 0;
    /// confusion[truth][predicted], indexed by static_cast<int>(Pattern).
    std::array<std::array<std::size_t, kPatternCount>, kPatternCount> confusion{};
    std::vector<double> rate_errors;  ///< |estimate - truth| / truth over leaking series
    std::vector<std::string> failures;  ///< first few misclassified descriptions, for debugging
    double seconds = 0;

    double precision() const;
    double recall() const;
    double macro_f1() const;  ///< over the generated patterns
    double median_rate_error() const;
    std::string confusion_markdown() const;
};

/// Generates `per_pattern` series of each generated pattern (seeds seed, seed+1, ...) and diagnoses them.
AccuracyReport evaluate_accuracy(std::size_t per_pattern, std::uint64_t seed, const synthetic::GeneratorOptions& generator = {});

}  // namespace leakscope::diagnosis
