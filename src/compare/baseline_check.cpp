#include "compare/baseline_check.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compare/comparison_report.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::compare {
namespace {

double number_field(const nlohmann::json& object, const char* name, const std::string& path) {
    const auto it = object.find(name);
    if (it == object.end() || !it->is_number())
        throw BaselineError(fmt::format("--baseline {}: growth.{} is missing or not a number", path, name));
    return it->get<double>();
}

}  // namespace

BaselineRate read_baseline(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BaselineError(fmt::format("--baseline {}: {}", path, std::strerror(errno)));
    nlohmann::json report;
    try {
        report = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception&) {
        throw BaselineError(fmt::format("--baseline {}: not a JSON file (give a report written with --json)", path));
    }
    if (!report.is_object() || !report.contains("growth") || !report["growth"].is_object())
        throw BaselineError(fmt::format("--baseline {}: not a leakscope report (no \"growth\" object)", path));
    const auto& growth = report["growth"];
    BaselineRate baseline;
    baseline.metric = growth.value("metric", std::string("rss"));
    auto& d = baseline.run.diagnosis;
    d.steady_rate_bytes_per_s = number_field(growth, "steady_rate_bytes_per_s", path);
    d.rate_ci_low_bytes_per_s = number_field(growth, "rate_ci_low_bytes_per_s", path);
    d.rate_ci_high_bytes_per_s = number_field(growth, "rate_ci_high_bytes_per_s", path);
    d.pattern = diagnosis::Pattern::linear_growth;  // anything but insufficient_data: usable
    if (report.contains("verdict") && report["verdict"].is_object()) {
        if (auto pattern = diagnosis::pattern_from_string(report["verdict"].value("pattern", std::string())))
            d.pattern = *pattern;
    }
    if (d.pattern == diagnosis::Pattern::insufficient_data)
        throw BaselineError(fmt::format("--baseline {}: that run had too little data for a rate to compare with", path));
    baseline.run.recording_path = path;
    return baseline;
}

BaselineCheck check_against_baseline(const BaselineRate& baseline, const analysis::Analysis& analysis,
                                     const ComparisonOptions& options) {
    BaselineCheck check;
    check.metric = baseline.metric == "live_heap" ? "live_heap" : "rss";
    if (check.metric == "live_heap" && !analysis.process.live_heap)
        throw BaselineError("--baseline: the baseline's rate is of the live heap, but this run did not track "
                            "allocations; compare runs made alike (both tracked, or both --no-track)");
    const RunMeasurement now = measure_run(analysis, check.metric);
    if (!now.usable()) {
        check.text = "this run is too short or too sparse for a rate: not compared with the baseline";
        return check;
    }
    check.vs_baseline = compare_against_baseline({&baseline.run}, {&now}, options);
    const auto& v = check.vs_baseline;
    std::string verdict = v.direction == Direction::worse    ? "significantly worse"
                          : v.direction == Direction::better ? "significantly better"
                                                             : "not significantly different";
    check.text = fmt::format("steady rate {} vs the baseline's {} ({}): {} ({})",
                             diagnosis::format_rate_per_h(now.diagnosis.steady_rate_bytes_per_s, true),
                             diagnosis::format_rate_per_h(baseline.run.diagnosis.steady_rate_bytes_per_s, true),
                             check.metric == "live_heap" ? "live heap" : "RSS", verdict,
                             v.test ? p_value_text(v.test->p_value) : std::string("no test"));
    return check;
}

}  // namespace leakscope::compare
