// The fleet's human reports in text: the terminal table, Markdown, and the shared cell texts.
#include <cmath>

#include "fleet/fleet_reports.hpp"
#include "report/human_units.hpp"
#include "report/sparkline.hpp"

namespace leakscope::fleet {

std::string labels_text(const Labels& labels) {
    std::string name, rest;
    for (const auto& [key, value] : labels) {
        if (key == "__name__") {
            name = value;
            continue;
        }
        if (!rest.empty()) rest += ',';
        rest += key + "=\"" + value + "\"";
    }
    return name + "{" + rest + "}";
}

std::string rate_text(const diagnosis::Diagnosis& d) {
    auto per_hour = [](double bytes_per_s) { return report::format_rate(bytes_per_s * 3600.0, "h"); };
    return per_hour(d.steady_rate_bytes_per_s) + " [" +
           report::format_rate_interval(d.rate_ci_low_bytes_per_s * 3600.0, d.rate_ci_high_bytes_per_s * 3600.0, "h", ", ") + "]";
}

std::string time_to_limit_text(const diagnosis::Diagnosis& d) {
    return d.time_to_limit_s ? report::format_duration(*d.time_to_limit_s) : "—";
}

std::string verdict_text(const diagnosis::Diagnosis& d) {
    return (d.leak ? std::string("LEAK ") : std::string()) + std::string(diagnosis::to_string(d.pattern));
}

void print_fleet_table(std::FILE* out, const FleetRun& run, const std::vector<FleetEntry>& entries, std::size_t top) {
    std::size_t leaks = 0;
    for (const auto& e : entries) leaks += e.verdict.leak;
    std::fprintf(out, "%zu series, %zu leaking (query %s over %s)\n", entries.size(), leaks, run.query.c_str(),
                 report::format_duration(run.end_s - run.start_s).c_str());
    std::fprintf(out, "%-22s %-28s %-12s %-9s %-12s %s\n", "verdict", "steady rate [95% interval]", "warm-up", "limit in",
                 "trend", "series");
    for (std::size_t i = 0; i < entries.size() && i < top; ++i) {
        const auto& e = entries[i];
        std::fprintf(out, "%-22s %-28s %-12s %-9s %-12s %s%s\n", verdict_text(e.verdict).c_str(), rate_text(e.verdict).c_str(),
                     report::format_bytes(e.verdict.warmup_bytes).c_str(), time_to_limit_text(e.verdict).c_str(),
                     report::sparkline(e.sparkline, 12).c_str(), labels_text(e.labels).c_str(),
                     e.restarts ? (" (" + std::to_string(e.restarts) + " restarts)").c_str() : "");
    }
    if (entries.size() > top) std::fprintf(out, "... and %zu more (see --json / --html)\n", entries.size() - top);
}

void write_fleet_markdown(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries) {
    std::size_t leaks = 0;
    for (const auto& e : entries) leaks += e.verdict.leak;
    out << "## leakscope fleet: " << leaks << " of " << entries.size() << " series leaking\n\n"
        << "Query `" << run.query << "` over " << report::format_duration(run.end_s - run.start_s) << " at a "
        << report::format_duration(run.step_s) << " step, from " << run.url << ".\n\n"
        << "| series | verdict | steady rate [95% interval] | warm-up | limit in | restarts | trend |\n"
        << "|---|---|---|---|---|---:|---|\n";
    auto cell = [](std::string text) {
        std::string escaped;
        for (const char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
        return escaped;
    };
    for (const auto& e : entries) {
        out << "| `" << cell(labels_text(e.labels)) << "` | " << (e.verdict.leak ? "**" + verdict_text(e.verdict) + "**" : verdict_text(e.verdict))
            << " | " << rate_text(e.verdict) << " | " << report::format_bytes(e.verdict.warmup_bytes) << " | "
            << time_to_limit_text(e.verdict) << " | " << e.restarts << " | " << report::sparkline(e.sparkline, 16) << " |\n";
    }
}

}  // namespace leakscope::fleet
