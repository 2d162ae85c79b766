// The fleet as one self-contained HTML page: the ranked table with an inline SVG sparkline per
// series, each linking to the series' full chart in Prometheus' own graph page.
#include <algorithm>
#include <cstdio>

#include "fleet/fleet_reports.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"

namespace leakscope::fleet {
namespace {

std::string url_encode(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            char buffer[4];
            std::snprintf(buffer, sizeof buffer, "%%%02X", c);
            out += buffer;
        }
    }
    return out;
}

/// Prometheus' graph page for the series over the same range.
std::string graph_link(const FleetRun& run, const FleetEntry& e) {
    const std::string expr = e.labels.count("__name__") ? exact_selector(e.labels) : run.query;
    char range[32];
    std::snprintf(range, sizeof range, "%.0fs", run.end_s - run.start_s);
    char end[32];
    std::snprintf(end, sizeof end, "%.0f", run.end_s);
    return run.url + "/graph?g0.expr=" + url_encode(expr) + "&g0.tab=0&g0.range_input=" + range +
           "&g0.moment_input=" + end;
}

std::string sparkline_svg(const std::vector<double>& values, bool leak) {
    constexpr double kWidth = 120, kHeight = 24;
    if (values.empty()) return "";
    const auto [lo_it, hi_it] = std::minmax_element(values.begin(), values.end());
    const double lo = std::min(*lo_it, *hi_it * 0.75), span = std::max(*hi_it - lo, 1.0);
    std::string points;
    for (std::size_t i = 0; i < values.size(); ++i) {
        char buffer[48];
        const double x = values.size() == 1 ? 0 : kWidth * static_cast<double>(i) / static_cast<double>(values.size() - 1);
        std::snprintf(buffer, sizeof buffer, "%.1f,%.1f ", x, kHeight - 1 - (kHeight - 2) * (values[i] - lo) / span);
        points += buffer;
    }
    return "<svg width=\"120\" height=\"24\" viewBox=\"0 0 120 24\" role=\"img\"><polyline fill=\"none\" stroke=\"" +
           std::string(leak ? "#c0392b" : "#2c6fbb") + "\" stroke-width=\"1.5\" points=\"" + points + "\"/></svg>";
}

}  // namespace

void write_fleet_html(std::ostream& out, const FleetRun& run, const std::vector<FleetEntry>& entries) {
    using report::escape_markup;
    std::size_t leaks = 0;
    for (const auto& e : entries) leaks += e.verdict.leak;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
           "<title>leakscope fleet: "
        << leaks << " of " << entries.size()
        << " series leaking</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
           "td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}"
           "tr.leak td:nth-child(2){color:#c0392b;font-weight:600}code{font-size:12px}</style></head><body>\n"
        << "<h1>" << leaks << " of " << entries.size() << " series leaking</h1>\n<p>Query <code>" << escape_markup(run.query)
        << "</code> over " << escape_markup(report::format_duration(run.end_s - run.start_s)) << " at a "
        << escape_markup(report::format_duration(run.step_s)) << " step, from " << escape_markup(run.url)
        << ". Leaks first, soonest at their limit first. Each chart links to the series in Prometheus.</p>\n"
        << "<table><thead><tr><th>series</th><th>verdict</th><th>steady rate [95% interval]</th><th>warm-up</th>"
           "<th>limit in</th><th>restarts</th><th>memory over the range</th></tr></thead><tbody>\n";
    for (const auto& e : entries) {
        out << "<tr" << (e.verdict.leak ? " class=\"leak\"" : "") << "><td><code>" << escape_markup(labels_text(e.labels))
            << "</code></td><td title=\"" << escape_markup(e.verdict.summary) << "\">" << escape_markup(verdict_text(e.verdict))
            << "</td><td>" << escape_markup(rate_text(e.verdict)) << "</td><td>"
            << escape_markup(report::format_bytes(e.verdict.warmup_bytes)) << "</td><td>"
            << escape_markup(time_to_limit_text(e.verdict)) << "</td><td>" << e.restarts << "</td><td><a href=\""
            << escape_markup(graph_link(run, e)) << "\">" << sparkline_svg(e.sparkline, e.verdict.leak) << "</a></td></tr>\n";
    }
    out << "</tbody></table>\n</body></html>\n";
}

}  // namespace leakscope::fleet
