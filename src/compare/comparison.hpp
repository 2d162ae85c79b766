// From the runs of an experiment to the comparison table: each configuration's steady growth rate
// (per second and per event) with an interval, its verdict and top growing site, its rank, and its
// change against the baseline (the first configuration) with a significance test.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "compare/rate_tests.hpp"

namespace leakscope::compare {

/// What one run contributes to the comparison.
struct RunMeasurement {
    std::size_t configuration = 0;
    int repeat = 1;
    diagnosis::Diagnosis diagnosis;          ///< of the compared metric (see choose_metric)
    std::optional<std::string> top_site;     ///< the fastest-growing call site, when one grows
    double top_site_rate_bytes_per_s = 0;
    double duration_s = 0;
    std::uint64_t events = 0;
    std::string recording_path;
    /// Too short or too sparse for a rate: left out of the statistics (and said so).
    bool usable() const { return diagnosis.pattern != diagnosis::Pattern::insufficient_data; }
};

/// Whether a call site grows: its diagnosis calls it a leak, or its steady state is a growth pattern
/// whose rate interval lies above zero at 64 B/s or more (the diagnosis's practical floor). The second
/// clause matters on short runs: the leak call also needs the trend to survive the false-discovery
/// control across all sites, which a perfectly linear 100 KB/s site over 2.5 s sometimes does not
/// (q = 0.24 observed); compare and diff would then miss a site that plainly grows.
bool site_grows(const diagnosis::Diagnosis& site);

/// "live_heap" when every run tracked allocations, otherwise "rss": all runs must be measured alike.
std::string choose_metric(const std::vector<const analysis::Analysis*>& analyses);

/// The run's measurement on `metric` ("live_heap" or "rss").
RunMeasurement measure_run(const analysis::Analysis& analysis, const std::string& metric);

struct ComparisonOptions {
    double alpha = 0.05;              ///< significance level of each test against the baseline
    double confidence_level = 0.95;   ///< of the intervals shown
    /// A difference counts only when it is also this large, relative to the baseline's rate ...
    double min_relative_change = 0.05;
    /// ... and absolute: the diagnosis's practical floor, below which growth is allocator noise.
    double min_change_bytes_per_s = 64.0;
};

enum class Direction { same, better, worse };
const char* to_string(Direction direction);

/// The baseline against one configuration.
struct BaselineComparison {
    std::optional<TestResult> test;                 ///< none when a side has no usable run
    double change_bytes_per_s = 0;                  ///< rate minus the baseline's rate
    std::optional<double> relative_change;          ///< change / |baseline rate|; none when the baseline ~ 0
    bool significant = false;                       ///< p < alpha and the change is practically large
    Direction direction = Direction::same;
};

struct ConfigurationResult {
    std::string name;
    std::size_t planned_runs = 0;
    std::size_t runs = 0;                       ///< usable runs (the statistics use these)
    std::vector<double> run_rates_bytes_per_s;  ///< per usable run, in schedule order
    double rate_bytes_per_s = 0;                ///< mean over the usable runs
    double rate_ci_low_bytes_per_s = 0, rate_ci_high_bytes_per_s = 0;
    std::optional<double> rate_bytes_per_event, rate_per_event_ci_low, rate_per_event_ci_high;
    double warmup_bytes = 0, warmup_end_s = 0;  ///< means over the usable runs
    std::size_t leak_runs = 0;                  ///< runs whose verdict is a leak
    bool leak = false;                          ///< most usable runs say leak
    std::string pattern;                        ///< the most frequent pattern among the usable runs
    std::optional<std::string> top_site;        ///< the most frequent top growing site
    std::string interval_method;                ///< how the interval was made
    int rank = 0;                               ///< 1 = least growth
    std::optional<BaselineComparison> vs_baseline;  ///< none for the baseline itself
};

struct Comparison {
    std::string metric;                           ///< "live_heap" or "rss"
    ComparisonOptions options;
    std::vector<ConfigurationResult> configurations;  ///< baseline first, then in the order given
    std::vector<std::string> notes;                   ///< e.g. runs left out, mixed tests
    /// The test(s) used, for the header line: one name, or "mixed" details in the notes.
    std::string test_summary() const;
    /// Some configuration is significantly worse than the baseline (compare --fail-if-worse).
    bool any_significantly_worse() const;
    /// Configuration indices from least to most growth.
    std::vector<std::size_t> ranked() const;
};

/// Builds the table. `names` are the configurations in order (the first is the baseline); every run
/// names its configuration by index.
Comparison compare_runs(const std::vector<std::string>& names, const std::vector<RunMeasurement>& runs,
                        const std::string& metric, const ComparisonOptions& options = {});

/// The baseline-against-candidate decision on two sets of run measurements (shared with diff).
BaselineComparison compare_against_baseline(const std::vector<const RunMeasurement*>& baseline,
                                            const std::vector<const RunMeasurement*>& candidate,
                                            const ComparisonOptions& options);

}  // namespace leakscope::compare
