#include "diagnosis_bench/accuracy.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>

#include "diagnosis/robust_stats.hpp"
#include "diagnosis_bench/report_invariants.hpp"

namespace leakscope::diagnosis {

double AccuracyReport::precision() const {
    const std::size_t called = true_positive + false_positive;
    return called == 0 ? 1.0 : static_cast<double>(true_positive) / static_cast<double>(called);
}

double AccuracyReport::recall() const {
    const std::size_t leaks = true_positive + false_negative;
    return leaks == 0 ? 1.0 : static_cast<double>(true_positive) / static_cast<double>(leaks);
}

double AccuracyReport::macro_f1() const {
    double sum = 0;
    std::size_t classes = 0;
    for (Pattern pattern : synthetic::kGeneratedPatterns) {
        const auto k = static_cast<std::size_t>(pattern);
        std::size_t truth = 0, predicted = 0;
        for (std::size_t j = 0; j < kPatternCount; ++j) {
            truth += confusion[k][j];
            predicted += confusion[j][k];
        }
        if (truth == 0) continue;
        const double tp = static_cast<double>(confusion[k][k]);
        const double precision = predicted == 0 ? 0 : tp / static_cast<double>(predicted);
        const double recall = tp / static_cast<double>(truth);
        sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        ++classes;
    }
    return classes == 0 ? 0 : sum / static_cast<double>(classes);
}

double AccuracyReport::median_rate_error() const { return detail::median(rate_errors); }

std::string AccuracyReport::confusion_markdown() const {
    std::string text = "| truth \\ predicted |";
    for (std::size_t j = 0; j < kPatternCount; ++j) text += fmt::format(" {} |", to_string(static_cast<Pattern>(j)));
    text += "\n|---|";
    for (std::size_t j = 0; j < kPatternCount; ++j) text += "---:|";
    text += "\n";
    for (Pattern pattern : synthetic::kGeneratedPatterns) {
        const auto k = static_cast<std::size_t>(pattern);
        text += fmt::format("| {} |", to_string(pattern));
        for (std::size_t j = 0; j < kPatternCount; ++j) text += fmt::format(" {} |", confusion[k][j]);
        text += "\n";
    }
    return text;
}

std::string AccuracyReport::classes_markdown() const {
    std::string text = "| class | series | leak right | pattern right | false leak | missed leak | breaks an invariant |\n"
                       "|---|---:|---:|---:|---:|---:|---:|\n";
    for (const ClassScore& c : classes) {
        const double n = static_cast<double>(std::max<std::size_t>(c.series, 1));
        text += fmt::format("| {} | {} | {:.1f}% | {:.1f}% | {} | {} | {} |\n", c.name, c.series, 100 * static_cast<double>(c.leak_right) / n,
                            100 * static_cast<double>(c.pattern_right) / n, c.false_positive, c.false_negative, c.broken);
    }
    return text;
}

namespace {

void score(AccuracyReport& report, ClassScore& score, const synthetic::LabelledSeries& labelled, std::uint64_t seed) {
    std::vector<invariants::Violation> broken;
    Diagnosis verdict;
    if (labelled.series.live_heap) {
        const ProcessDiagnosis process = diagnose_process(labelled.series);
        verdict = process.verdict;
        broken = invariants::check(process);
    } else {
        verdict = diagnose(labelled.series.rss);
        broken = invariants::check(verdict);
    }
    score.broken += !broken.empty();
    for (const invariants::Violation& v : broken) ++report.violations[v.name];
    ++report.series;
    ++score.series;
    // A name the series' truth also accepts counts as its truth, in the matrix as in the score.
    const Pattern said = verdict.pattern == labelled.also_right ? labelled.pattern : verdict.pattern;
    report.confusion[static_cast<std::size_t>(labelled.pattern)][static_cast<std::size_t>(said)]++;
    if (labelled.leak && verdict.leak) ++report.true_positive;
    else if (!labelled.leak && verdict.leak) ++report.false_positive, ++score.false_positive;
    else if (labelled.leak && !verdict.leak) ++report.false_negative, ++score.false_negative;
    else ++report.true_negative;
    score.leak_right += labelled.leak == verdict.leak;
    score.pattern_right += labelled.pattern == said;
    if (labelled.leak && labelled.true_rate_bytes_per_s > 0)
        report.rate_errors.push_back(std::fabs(verdict.steady_rate_bytes_per_s - labelled.true_rate_bytes_per_s) / labelled.true_rate_bytes_per_s);
    // Verdicts that contradict themselves are listed whatever their score (they are few).
    for (const invariants::Violation& v : broken) {
        report.failures.push_back(fmt::format("[{} seed {}] breaks {}: {}", score.name, seed, v.name, verdict.summary));
    }
    if ((said != labelled.pattern || verdict.leak != labelled.leak) && report.failures.size() < 400) {
        report.failures.push_back(fmt::format("[{} seed {}] truth {}/{} got {}/{} rate {:.3g}: {}", score.name, seed,
                                              to_string(labelled.pattern), labelled.leak ? "leak" : "ok",
                                              to_string(verdict.pattern), verdict.leak ? "leak" : "ok",
                                              verdict.steady_rate_bytes_per_s, labelled.description));
    }
}

}  // namespace

AccuracyReport evaluate_accuracy(std::size_t per_pattern, std::uint64_t seed, const synthetic::GeneratorOptions& generator,
                                 bool real_program_classes) {
    AccuracyReport report;
    const auto started = std::chrono::steady_clock::now();
    for (Pattern pattern : synthetic::kGeneratedPatterns) {
        ClassScore& scores = report.classes.emplace_back(ClassScore{.name = std::string(to_string(pattern))});
        for (std::size_t i = 0; i < per_pattern; ++i) score(report, scores, synthetic::generate(pattern, seed + i, generator), seed + i);
    }
    if (real_program_classes) {
        for (synthetic::RealProgramClass kind : synthetic::kRealProgramClasses) {
            ClassScore& scores = report.classes.emplace_back(ClassScore{.name = std::string(to_string(kind))});
            for (std::size_t i = 0; i < per_pattern; ++i) score(report, scores, synthetic::generate(kind, seed + i, generator), seed + i);
        }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace leakscope::diagnosis
