#include "compare/comparison_report.hpp"

#include <cmath>

#include <fmt/format.h>

#include "report/human_units.hpp"

namespace leakscope::compare {
namespace {

using report::format_bytes;
using report::format_duration;

std::string per_hour(double bytes_per_s) { return report::format_rate(bytes_per_s * 3600.0, "h"); }

std::string metric_label(const std::string& metric) { return metric == "live_heap" ? "live heap" : "RSS"; }

std::string quoted_command(const std::vector<std::string>& command) {
    std::string text;
    for (const auto& word : command) {
        if (!text.empty()) text += ' ';
        const bool plain = !word.empty() && word.find_first_of(" \t'\"\\$`") == std::string::npos;
        text += plain ? word : "'" + word + "'";
    }
    return text;
}

struct Row {
    std::vector<std::string> cells;
};

const std::vector<std::string> kHeader = {"rank", "configuration", "runs", "rate [95% CI]", "per event",
                                          "warm-up", "verdict", "top growing site", "vs baseline"};

std::string verdict_cell(const ConfigurationResult& c) {
    if (c.runs == 0) return "no data";
    return fmt::format("{} ({}/{} leak)", c.leak ? "leak" : "no leak", c.leak_runs, c.runs);
}

std::string rate_cell(const ConfigurationResult& c) {
    if (c.runs == 0) return "-";
    return fmt::format("{} [{}]", per_hour(c.rate_bytes_per_s),
                       report::format_rate_interval(c.rate_ci_low_bytes_per_s * 3600.0, c.rate_ci_high_bytes_per_s * 3600.0, "h", ", "));
}

std::string per_event_cell(const ConfigurationResult& c) {
    if (!c.rate_bytes_per_event) return "-";
    return fmt::format("{} [{}]", format_bytes(*c.rate_bytes_per_event),
                       report::format_bytes_interval(*c.rate_per_event_ci_low, *c.rate_per_event_ci_high, ", "));
}

std::string versus_cell(const ConfigurationResult& c, const ComparisonOptions& options) {
    if (!c.vs_baseline) return "baseline";
    if (!c.vs_baseline->test) return verdict_against_baseline(c, options);
    return change_text(*c.vs_baseline) + " " + verdict_against_baseline(c, options);
}

std::vector<Row> table_rows(const Comparison& comparison) {
    std::vector<Row> rows;
    for (std::size_t index : comparison.ranked()) {
        const auto& c = comparison.configurations[index];
        rows.push_back({{std::to_string(c.rank), c.name, fmt::format("{}/{}", c.runs, c.planned_runs), rate_cell(c),
                         per_event_cell(c), c.runs ? format_bytes(c.warmup_bytes) : "-", verdict_cell(c),
                         c.top_site.value_or("-"), versus_cell(c, comparison.options)}});
    }
    return rows;
}

std::string header_lines(const Comparison& comparison, const ExperimentFacts& facts, const std::string& prefix) {
    std::string text = fmt::format("{}{} configurations x {} run{} each, interleaved; {}; metric: {}{}\n", prefix,
                                   comparison.configurations.size(), facts.repeats, facts.repeats == 1 ? "" : "s",
                                   facts.duration_s ? "each run " + format_duration(*facts.duration_s) : "each run to completion",
                                   metric_label(comparison.metric),
                                   comparison.metric == "rss" && facts.tracked ? " (allocation tracking unavailable)" : "");
    text += fmt::format("{}test against the baseline ({}): {}, two-sided, alpha = {}; a difference must also exceed {} of "
                        "the baseline's rate\n",
                        prefix, comparison.configurations.front().name, comparison.test_summary(), comparison.options.alpha,
                        report::format_percent(comparison.options.min_relative_change));
    return text;
}

}  // namespace

std::string configuration_settings(const Configuration& configuration) {
    std::string settings;
    for (const auto& [var, value] : configuration.environment) settings += (settings.empty() ? "" : " ") + var + "=" + value;
    for (const auto& argument : configuration.extra_arguments) settings += (settings.empty() ? "" : " ") + argument;
    return settings;
}

std::string p_value_text(double p) {
    if (p < 0.001) return "p < 0.001";
    return fmt::format("p = {:.2g}", p);
}

std::string change_text(const BaselineComparison& vs_baseline) {
    if (vs_baseline.relative_change) {
        const double percent = *vs_baseline.relative_change * 100.0;
        return std::fabs(percent) < 0.5 ? "+0%" : fmt::format("{:+.0f}%", percent);  // never "-0%"
    }
    const std::string rate = per_hour(vs_baseline.change_bytes_per_s);
    return vs_baseline.change_bytes_per_s >= 0 ? "+" + rate : rate;
}

std::string verdict_against_baseline(const ConfigurationResult& configuration, const ComparisonOptions& options) {
    if (!configuration.vs_baseline) return "baseline";
    const auto& vs = *configuration.vs_baseline;
    if (!vs.test) return "not tested (no usable run)";
    const std::string p = p_value_text(vs.test->p_value);
    if (vs.significant) return fmt::format("significantly {} ({})", to_string(vs.direction), p);
    if (vs.test->p_value < options.alpha)
        return fmt::format("not significantly different: change below the {} minimum ({})",
                           report::format_percent(options.min_relative_change), p);
    return fmt::format("not significantly different ({})", p);
}

std::string comparison_text(const Comparison& comparison, const ExperimentFacts& facts) {
    std::string text = header_lines(comparison, facts, "");
    text += "\n";
    const auto rows = table_rows(comparison);
    std::vector<std::size_t> widths;
    for (const auto& cell : kHeader) widths.push_back(cell.size());
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.cells.size(); ++i) widths[i] = std::max(widths[i], row.cells[i].size());
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string out;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            out += i + 1 == cells.size() ? cells[i] : fmt::format("{:<{}}  ", cells[i], widths[i]);
        }
        return out + "\n";
    };
    text += line(kHeader);
    for (const auto& row : rows) text += line(row.cells);
    text += fmt::format("\nRates are the steady growth of the {} per hour, after warm-up; least growth ranks first.\n",
                        metric_label(comparison.metric));
    for (const auto& note : comparison.notes) text += "note: " + note + "\n";
    return text;
}

std::string comparison_markdown(const Comparison& comparison, const ExperimentFacts& facts) {
    std::string text = "## leakscope compare\n\n";
    text += "Command: `" + quoted_command(facts.command) + "`\n\n";
    std::string header = header_lines(comparison, facts, "- ");
    text += header + "\n";
    auto escape = [](std::string cell) {
        std::string out;
        for (char c : cell) out += c == '|' ? std::string("\\|") : std::string(1, c);
        return out;
    };
    text += "|";
    for (const auto& cell : kHeader) text += " " + cell + " |";
    text += "\n|";
    for (std::size_t i = 0; i < kHeader.size(); ++i) text += i == 0 || i == 2 ? "---:|" : "---|";
    text += "\n";
    for (const auto& row : table_rows(comparison)) {
        text += "|";
        for (const auto& cell : row.cells) text += fmt::format(" {} |", escape(cell));
        text += "\n";
    }
    text += "\nConfigurations:\n\n";
    for (const auto& configuration : facts.configurations) {
        const std::string settings = configuration_settings(configuration);
        text += fmt::format("- **{}**: {}\n", configuration.name,
                            settings.empty() ? std::string("the command as given") : fmt::format("`{}`", settings));
    }
    for (const auto& note : comparison.notes) text += "\n> " + note + "\n";
    return text;
}

nlohmann::json comparison_json(const Comparison& comparison, const ExperimentFacts& facts) {
    using nlohmann::json;
    auto optional_number = [](const std::optional<double>& value) { return value ? json(*value) : json(nullptr); };
    json document;
    document["schema"] = "leakscope.compare/1";
    document["command"] = facts.command;
    document["repeats"] = facts.repeats;
    document["duration_s"] = optional_number(facts.duration_s);
    document["tracked"] = facts.tracked;
    document["metric"] = comparison.metric;
    document["test"] = comparison.test_summary();
    document["alpha"] = comparison.options.alpha;
    document["confidence_level"] = comparison.options.confidence_level;
    document["min_relative_change"] = comparison.options.min_relative_change;
    document["order"] = "interleaved";
    document["configurations"] = json::array();
    for (std::size_t c = 0; c < comparison.configurations.size(); ++c) {
        const auto& result = comparison.configurations[c];
        json item;
        item["name"] = result.name;
        if (c < facts.configurations.size()) {
            item["env"] = facts.configurations[c].environment;
            item["args"] = facts.configurations[c].extra_arguments;
        }
        item["baseline"] = c == 0;
        item["rank"] = result.rank;
        item["runs"] = result.runs;
        item["planned_runs"] = result.planned_runs;
        item["rate_bytes_per_s"] = result.rate_bytes_per_s;
        item["rate_ci_low_bytes_per_s"] = result.rate_ci_low_bytes_per_s;
        item["rate_ci_high_bytes_per_s"] = result.rate_ci_high_bytes_per_s;
        item["rate_bytes_per_h"] = result.rate_bytes_per_s * 3600.0;
        item["interval_method"] = result.interval_method;
        item["rate_bytes_per_event"] = optional_number(result.rate_bytes_per_event);
        item["rate_per_event_ci_low"] = optional_number(result.rate_per_event_ci_low);
        item["rate_per_event_ci_high"] = optional_number(result.rate_per_event_ci_high);
        item["warmup_bytes"] = result.warmup_bytes;
        item["warmup_end_s"] = result.warmup_end_s;
        item["leak"] = result.leak;
        item["leak_runs"] = result.leak_runs;
        item["pattern"] = result.pattern;
        item["top_site"] = result.top_site ? json(*result.top_site) : json(nullptr);
        item["run_rates_bytes_per_s"] = result.run_rates_bytes_per_s;
        if (result.vs_baseline) {
            const auto& vs = *result.vs_baseline;
            item["change_vs_baseline"] = optional_number(vs.relative_change);
            item["change_vs_baseline_bytes_per_s"] = vs.change_bytes_per_s;
            item["significant_vs_baseline"] = vs.significant;
            item["direction_vs_baseline"] = to_string(vs.direction);
            item["p_value_vs_baseline"] = vs.test ? json(vs.test->p_value) : json(nullptr);
            item["test_vs_baseline"] = vs.test ? json(vs.test->test) : json(nullptr);
        } else {
            item["change_vs_baseline"] = 0.0;
            item["change_vs_baseline_bytes_per_s"] = 0.0;
            item["significant_vs_baseline"] = false;
            item["direction_vs_baseline"] = "same";
            item["p_value_vs_baseline"] = nullptr;
            item["test_vs_baseline"] = nullptr;
        }
        item["verdict_vs_baseline"] = verdict_against_baseline(result, comparison.options);
        json runs = json::array();
        for (const auto& run : facts.runs) {
            if (run.configuration != c) continue;
            runs.push_back({{"repeat", run.repeat},
                            {"usable", run.usable()},
                            {"rate_bytes_per_s", run.diagnosis.steady_rate_bytes_per_s},
                            {"rate_ci_low_bytes_per_s", run.diagnosis.rate_ci_low_bytes_per_s},
                            {"rate_ci_high_bytes_per_s", run.diagnosis.rate_ci_high_bytes_per_s},
                            {"pattern", diagnosis::to_string(run.diagnosis.pattern)},
                            {"leak", run.diagnosis.leak},
                            {"duration_s", run.duration_s},
                            {"events", run.events},
                            {"recording", run.recording_path.empty() ? json(nullptr) : json(run.recording_path)}});
        }
        item["run_details"] = std::move(runs);
        document["configurations"].push_back(std::move(item));
    }
    document["ranking"] = json::array();
    for (std::size_t index : comparison.ranked()) document["ranking"].push_back(comparison.configurations[index].name);
    document["any_significantly_worse"] = comparison.any_significantly_worse();
    document["notes"] = comparison.notes;
    document["recordings_dir"] = facts.recordings_dir.empty() ? json(nullptr) : json(facts.recordings_dir);
    return document;
}

}  // namespace leakscope::compare
