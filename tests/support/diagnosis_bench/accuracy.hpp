// Accuracy of diagnose()/diagnose_process() on labelled synthetic series: leak precision/recall,
// pattern confusion matrix and macro-F1, rate error. Shared by the CI test and the benchmark.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnosis_bench/synthetic.hpp"

namespace leakscope::diagnosis {

inline constexpr std::size_t kPatternCount = 9;  // every Pattern, insufficient_data last

/// How one class of series fared: a generated pattern or a real-program class.
struct ClassScore {
    std::string name;
    std::size_t series = 0;
    std::size_t leak_right = 0;     ///< leak called iff the truth is a leak
    std::size_t pattern_right = 0;
    std::size_t false_positive = 0, false_negative = 0;
    std::size_t broken = 0;  ///< verdicts that break an invariant of report_invariants.hpp
};

struct AccuracyReport {
    std::size_t series = 0;
    std::size_t true_positive = 0, false_positive = 0, false_negative = 0, true_negative = 0;
    /// confusion[truth][predicted], indexed by static_cast<int>(Pattern).
    std::array<std::array<std::size_t, kPatternCount>, kPatternCount> confusion{};
    std::vector<double> rate_errors;  ///< |estimate - truth| / truth over leaking series
    std::vector<std::string> failures;  ///< first few misclassified descriptions, for debugging
    std::vector<ClassScore> classes;  ///< in the order evaluated
    std::map<std::string, std::size_t> violations;  ///< broken invariant -> verdicts that break it
    double seconds = 0;

    double precision() const;
    double recall() const;
    double macro_f1() const;  ///< over the generated patterns
    double median_rate_error() const;
    std::string confusion_markdown() const;
    std::string classes_markdown() const;  ///< one row per class: leak right, pattern right, FP, FN, broken
};

/// Generates `per_pattern` series of each generated pattern (seeds seed, seed+1, ...) and diagnoses them;
/// with `real_program_classes`, as many of each synthetic::RealProgramClass too (same seeds).
AccuracyReport evaluate_accuracy(std::size_t per_pattern, std::uint64_t seed, const synthetic::GeneratorOptions& generator = {},
                                 bool real_program_classes = false);

}  // namespace leakscope::diagnosis
