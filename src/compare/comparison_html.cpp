// The HTML page of a comparison: one chart (each configuration's steady rate as a dot with its
// interval, the single runs as small rings) and the table. Drawn with the report's SVG primitives
// and stylesheet, so it looks like the run reports and opens offline.
#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "compare/comparison_report.hpp"
#include "report/html_assets.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"
#include "report/svg_chart.hpp"

namespace leakscope::compare {
namespace {

using report::escape_markup;
namespace svg = report::svg;

constexpr const char* kCompareStyle = R"css(
.rates .whisker { stroke:var(--ink); stroke-width:2; }
.rates .mean { stroke:#fff; stroke-width:1.5; }
.rates .run { fill:none; stroke:var(--muted); stroke-width:1.2; }
.rates .row-label { font-size:13px; text-anchor:end; dominant-baseline:middle; }
.rates .row-band { fill:var(--panel); }
.rates .baseline-line { stroke:var(--muted); stroke-dasharray:4 3; }
.rates .worse { fill:var(--leak); } .rates .better { fill:var(--ok); } .rates .same { fill:var(--rss); }
table.compare { border-collapse:collapse; font-size:12px; margin-top:12px; width:100%; }
table.compare th, table.compare td { border-bottom:1px solid var(--line); padding:5px 9px; text-align:left; vertical-align:top; }
table.compare td.num { text-align:right; white-space:nowrap; }
.chart { width:100%; height:auto; }
.chart text { font-size:12px; fill:var(--ink); }
.chart .grid { stroke:var(--line); } .chart .axis { stroke:var(--ink); }
.chart .tick.x { text-anchor:middle; } .chart .caption.x { text-anchor:end; }
)css";

std::string per_hour(double bytes_per_s) { return report::format_rate(bytes_per_s * 3600.0, "h"); }

void write_rate_chart(std::ostream& out, const Comparison& comparison) {
    const auto order = comparison.ranked();
    constexpr double kRowHeight = 40;
    svg::Frame frame;
    frame.left = 170;
    frame.height = frame.top + frame.bottom + kRowHeight * static_cast<double>(order.size());

    // Per hour on the axis: the unit the issue's team measured in, and the one people compare.
    double lo = 0, hi = 0;
    for (const auto& c : comparison.configurations) {
        if (c.runs == 0) continue;
        lo = std::min({lo, c.rate_ci_low_bytes_per_s * 3600, c.rate_bytes_per_s * 3600});
        hi = std::max({hi, c.rate_ci_high_bytes_per_s * 3600, c.rate_bytes_per_s * 3600});
        for (double r : c.run_rates_bytes_per_s) {
            lo = std::min(lo, r * 3600);
            hi = std::max(hi, r * 3600);
        }
    }
    if (hi <= lo) hi = lo + 1024;
    const double pad = 0.05 * (hi - lo);
    hi += pad;
    if (lo < 0) lo -= pad;
    auto ticks = svg::byte_ticks(lo, hi, 6);
    for (auto& tick : ticks) tick.label += "/h";
    if (!ticks.empty()) {
        lo = std::min(lo, ticks.front().value);
        hi = std::max(hi, ticks.back().value);
    }
    const svg::Scale sx{lo, hi, frame.plot_left(), frame.plot_right()};
    const svg::Scale sy{0, static_cast<double>(order.size()), frame.plot_top(), frame.plot_bottom()};

    svg::open_svg(out, frame, "compare-rates", "Steady growth rate per configuration with its interval");
    out << "<g class=\"rates\">\n";
    for (const auto& tick : ticks) {
        fmt::print(out, "<line class=\"grid\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n", svg::coord(sx(tick.value)),
                   svg::coord(frame.plot_top()), svg::coord(frame.plot_bottom()));
    }
    const auto& baseline = comparison.configurations.front();
    if (baseline.runs > 0) {
        fmt::print(out, "<line class=\"baseline-line\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>\n",
                   svg::coord(sx(baseline.rate_bytes_per_s * 3600)), svg::coord(frame.plot_top()),
                   svg::coord(frame.plot_bottom()));
    }
    for (std::size_t row = 0; row < order.size(); ++row) {
        const auto& c = comparison.configurations[order[row]];
        const double y = sy(static_cast<double>(row) + 0.5);
        if (row % 2 == 0) {
            fmt::print(out, "<rect class=\"row-band\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                       svg::coord(frame.plot_left()), svg::coord(sy(static_cast<double>(row))),
                       svg::coord(frame.plot_right() - frame.plot_left()), svg::coord(kRowHeight));
        }
        const std::string label = c.vs_baseline ? c.name : c.name + " (baseline)";
        fmt::print(out, "<text class=\"row-label\" x=\"{}\" y=\"{}\">{}</text>\n", svg::coord(frame.plot_left() - 8),
                   svg::coord(y), escape_markup(label));
        if (c.runs == 0) continue;
        const double x1 = sx(c.rate_ci_low_bytes_per_s * 3600), x2 = sx(c.rate_ci_high_bytes_per_s * 3600);
        fmt::print(out, "<path class=\"whisker\" d=\"M{0} {2}H{1}M{0} {3}V{4}M{1} {3}V{4}\"/>\n", svg::coord(x1),
                   svg::coord(x2), svg::coord(y), svg::coord(y - 7), svg::coord(y + 7));
        for (double r : c.run_rates_bytes_per_s) {
            fmt::print(out, "<circle class=\"run\" cx=\"{}\" cy=\"{}\" r=\"3.5\"/>\n", svg::coord(sx(r * 3600)),
                       svg::coord(y + 11));
        }
        const char* tone = c.vs_baseline ? to_string(c.vs_baseline->direction) : "same";
        fmt::print(out, "<circle class=\"mean {}\" cx=\"{}\" cy=\"{}\" r=\"6\"><title>{}: {} [{}]</title></circle>\n",
                   tone, svg::coord(sx(c.rate_bytes_per_s * 3600)), svg::coord(y), escape_markup(c.name),
                   per_hour(c.rate_bytes_per_s),
                   report::format_rate_interval(c.rate_ci_low_bytes_per_s * 3600, c.rate_ci_high_bytes_per_s * 3600, "h", ", "));
    }
    out << "</g>\n";
    const svg::Scale no_y{0, 1, frame.plot_bottom(), frame.plot_top()};
    svg::write_axes(out, frame, sx, no_y, ticks, {}, "steady growth per hour", "");
    out << "</svg>\n";
}

}  // namespace

std::string comparison_html(const Comparison& comparison, const ExperimentFacts& facts) {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        // No script at all on this page, and nothing loaded from anywhere.
        << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        << "<title>leakscope compare</title>\n<style>" << report::html::kPageStyle << kCompareStyle << "</style>\n"
        << "</head>\n<body>\n<main>\n";
    std::string command;
    for (const auto& word : facts.command) command += (command.empty() ? "" : " ") + word;
    out << "<h1>leakscope compare: <code>" << escape_markup(command) << "</code></h1>\n";

    const auto text = comparison_text(comparison, facts);
    const auto header_end = text.find("\n\n");
    std::string header = text.substr(0, header_end), line;
    for (std::istringstream lines(header); std::getline(lines, line);) out << "<p>" << escape_markup(line) << "</p>\n";

    out << "<h2>Steady growth rate per configuration</h2>\n"
        << "<p>Dot: the configuration's mean steady rate, coloured red when significantly worse than the baseline, green "
           "when significantly better; bar: its interval; rings: the single runs; dashed line: the baseline.</p>\n";
    write_rate_chart(out, comparison);

    out << "<h2>Table</h2>\n<table class=\"compare\">\n<tr><th>rank</th><th>configuration</th><th>runs</th><th>rate per hour "
           "[95% CI]</th><th>per event</th><th>warm-up</th><th>verdict</th><th>top growing site</th><th>vs baseline</th></tr>\n";
    for (std::size_t index : comparison.ranked()) {
        const auto& c = comparison.configurations[index];
        const std::string rate =
            c.runs ? fmt::format("{} [{}]", per_hour(c.rate_bytes_per_s),
                                 report::format_rate_interval(c.rate_ci_low_bytes_per_s * 3600, c.rate_ci_high_bytes_per_s * 3600, "h", ", "))
                   : "-";
        const std::string per_event =
            c.rate_bytes_per_event
                ? fmt::format("{} [{}]", report::format_bytes(*c.rate_bytes_per_event),
                              report::format_bytes_interval(*c.rate_per_event_ci_low, *c.rate_per_event_ci_high, ", "))
                : "-";
        const std::string versus = !c.vs_baseline ? "baseline"
                                   : c.vs_baseline->test
                                       ? change_text(*c.vs_baseline) + " " + verdict_against_baseline(c, comparison.options)
                                       : verdict_against_baseline(c, comparison.options);
        fmt::print(out,
                   "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}/{}</td><td class=\"num\">{}</td>"
                   "<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
                   c.rank, escape_markup(c.name), c.runs, c.planned_runs, escape_markup(rate), escape_markup(per_event),
                   c.runs ? escape_markup(report::format_bytes(c.warmup_bytes)) : "-",
                   c.runs ? fmt::format("{} ({}/{})", c.leak ? "leak" : "no leak", c.leak_runs, c.runs) : "no data",
                   escape_markup(c.top_site.value_or("-")), escape_markup(versus));
    }
    out << "</table>\n";
    // What each configuration changed, as the Markdown says it: a table of names alone tells nothing.
    out << "<h2>Configurations</h2>\n<ul class=\"configurations\">\n";
    for (const auto& configuration : facts.configurations) {
        const std::string settings = configuration_settings(configuration);
        fmt::print(out, "<li><strong>{}</strong>: {}</li>\n", escape_markup(configuration.name),
                   settings.empty() ? std::string("the command as given")
                                    : "<code>" + escape_markup(settings) + "</code>");
    }
    out << "</ul>\n";
    if (!comparison.notes.empty()) {
        out << "<h2>Notes</h2>\n<ul>\n";
        for (const auto& note : comparison.notes) out << "<li>" << escape_markup(note) << "</li>\n";
        out << "</ul>\n";
    }
    out << "</main>\n</body>\n</html>\n";
    return out.str();
}

}  // namespace leakscope::compare
