// `compare --junit`: one JUnit test case per configuration, failed when most of its runs leak or when it
// is significantly worse than the baseline, skipped when none of its runs was long enough to judge.
#include <fmt/format.h>

#include "compare/comparison_report.hpp"
#include "report/junit_report.hpp"

namespace leakscope::compare {

void write_comparison_junit(std::ostream& out, const Comparison& comparison, const ExperimentFacts& facts) {
    std::vector<report::JunitCase> cases;
    for (std::size_t index = 0; index < comparison.configurations.size(); ++index) {
        const auto& c = comparison.configurations[index];
        report::JunitCase test;
        test.classname = "leakscope.compare";
        const std::string settings =
            index < facts.configurations.size() ? configuration_settings(facts.configurations[index]) : std::string();
        test.name = settings.empty() ? c.name : fmt::format("{} ({})", c.name, settings);
        for (const auto& run : facts.runs)
            if (run.configuration == index) test.time_s += run.duration_s;
        test.properties = {
            {"rank", std::to_string(c.rank)},
            {"runs", fmt::format("{}/{}", c.runs, c.planned_runs)},
            {"leak_runs", std::to_string(c.leak_runs)},
            {"pattern", c.pattern},
            {"steady_rate_bytes_per_s", fmt::format("{:.6g}", c.rate_bytes_per_s)},
            {"rate_ci_low_bytes_per_s", fmt::format("{:.6g}", c.rate_ci_low_bytes_per_s)},
            {"rate_ci_high_bytes_per_s", fmt::format("{:.6g}", c.rate_ci_high_bytes_per_s)},
            {"interval_method", c.interval_method},
            {"vs_baseline", c.vs_baseline ? verdict_against_baseline(c, comparison.options) : std::string("baseline")},
        };
        if (c.vs_baseline && c.vs_baseline->test)
            test.properties.emplace_back("p_value", fmt::format("{:.6g}", c.vs_baseline->test->p_value));
        const bool worse = c.vs_baseline && c.vs_baseline->direction == Direction::worse;
        test.message = fmt::format("{}: {}", c.name, c.leak ? "leak" : "no leak");
        if (c.vs_baseline) test.message += ", " + verdict_against_baseline(c, comparison.options);
        test.details = c.top_site ? "top growing site: " + *c.top_site : std::string();
        if (c.runs == 0) test.skipped = true;
        else if (worse) test.failure_type = "worse_than_baseline";
        else if (c.leak) test.failure_type = c.pattern;
        cases.push_back(std::move(test));
    }
    report::write_junit_cases(out, "leakscope compare", cases);
}

}  // namespace leakscope::compare
