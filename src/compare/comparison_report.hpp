// The comparison as people and machines read it: a ranked text table (stdout), Markdown (for a pull
// request), JSON (the `configurations` array, baseline first — its field names are a contract, see
// docs/compare.md) and a self-contained HTML page with a chart of the rates and their intervals.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compare/comparison.hpp"
#include "compare/experiment_plan.hpp"

namespace leakscope::compare {

/// How the experiment was run, shown above the table and kept in the JSON.
struct ExperimentFacts {
    std::vector<std::string> command;
    std::vector<Configuration> configurations;
    int repeats = 1;
    std::optional<double> duration_s;   ///< --duration, none = each run to completion
    bool tracked = true;                ///< allocation tracking asked for
    std::string recordings_dir;         ///< empty when the recordings were not kept
    std::vector<RunMeasurement> runs;   ///< in schedule order
};

/// "not significantly different (p = 0.62)", "significantly worse (p < 0.001)", "baseline".
std::string verdict_against_baseline(const ConfigurationResult& configuration, const ComparisonOptions& options);
/// "+312%" or, when the baseline does not grow, the absolute change per hour ("+1.20 MB/h").
std::string change_text(const BaselineComparison& vs_baseline);
/// "p = 0.041", "p < 0.001".
std::string p_value_text(double p);
/// What a configuration sets: "LOG_FLUSH=1 --cache-size=64"; empty when it runs the command as given.
std::string configuration_settings(const Configuration& configuration);

std::string comparison_text(const Comparison& comparison, const ExperimentFacts& facts);
std::string comparison_markdown(const Comparison& comparison, const ExperimentFacts& facts);
nlohmann::json comparison_json(const Comparison& comparison, const ExperimentFacts& facts);
std::string comparison_html(const Comparison& comparison, const ExperimentFacts& facts);
/// JUnit XML, one test case per configuration (comparison_junit.cpp).
void write_comparison_junit(std::ostream& out, const Comparison& comparison, const ExperimentFacts& facts);

}  // namespace leakscope::compare
