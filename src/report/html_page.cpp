// Lays out the HTML report: verdict banner, charts and tables (each drawn by its own file), run facts.
#include <algorithm>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/pymalloc_arenas.hpp"
#include "analysis/sampled_attribution.hpp"
#include "report/content_security.hpp"
#include "report/html_assets.hpp"
#include "report/html_report.hpp"
#include "report/html_sections.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "util/version.hpp"

namespace leakscope::report {

namespace {

using diagnosis::Pattern;

const char* verdict_class(const diagnosis::Diagnosis& v) {
    if (v.pattern == Pattern::insufficient_data) return "unknown";
    if (v.leak) return "leak";
    if (!v.decided) return "warn";  // growth that may yet prove a leak: watch it
    // Fragmentation is not a leak in the program's data, but RSS still grows: worth a warning color.
    if (v.pattern == Pattern::fragmentation) return "warn";
    return "ok";
}

void tile(std::ostream& out, std::string_view label, std::string_view value, std::string_view sub, bool muted = false) {
    fmt::print(out, "<div class=\"tile{}\"><div class=\"label\">{}</div><div class=\"value\">{}</div>",
               muted ? " muted" : "", escape_markup(label), escape_markup(value));
    if (!sub.empty()) fmt::print(out, "<div class=\"sub\">{}</div>", escape_markup(sub));
    out << "</div>\n";
}

void write_verdict(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    fmt::print(out, "<section id=\"verdict\" class=\"verdict {}\">\n<div class=\"verdict-line\">", verdict_class(v));
    fmt::print(out, "<span class=\"verdict-word\">{}</span><span class=\"headline\">{}</span>",
               escape_markup(verdict_word(v)), escape_markup(verdict_headline(analysis)));
    if (v.pattern != Pattern::insufficient_data)
        fmt::print(out, "<span class=\"badge {0}\">severity: {0}</span>", severity_label(v.severity));
    out << "</div>\n";
    if (!v.summary.empty()) fmt::print(out, "<p class=\"summary\">{}</p>\n", escape_markup(v.summary));

    out << "<div class=\"tiles\">\n";
    if (v.pattern == Pattern::insufficient_data) {
        // Rates from a handful of points would be read as findings; show what there is and what is needed.
        tile(out, "samples", format_count(static_cast<double>(analysis.samples)), "every " + format_duration(recording.info.interval_s));
        tile(out, "duration", format_duration(analysis.duration_s), "record longer: minutes, several work cycles");
        tile(out, "RSS at the end", format_bytes(analysis.end_rss), "started at " + format_bytes(analysis.start_rss));
        out << "</div>\n</section>\n";
        return;
    }
    const bool significant = diagnosis::rate_significant(v);
    const std::string rate_tile = still_settling(v) ? "pace, last third (settling)" : significant ? "steady rate" : "steady rate (not significant)";
    tile(out, rate_tile, signed_rate(v.steady_rate_bytes_per_s * 3600, "h"),
         "95%: " + signed_interval(v.rate_ci_low_bytes_per_s * 3600, v.rate_ci_high_bytes_per_s * 3600, "h"),
         !significant);
    if (v.rate_bytes_per_event)
        tile(out, "per event", signed_rate(*v.rate_bytes_per_event, "event"),
             fmt::format("{} events", format_count(static_cast<double>(analysis.events))));
    else
        tile(out, "per second", signed_rate(v.steady_rate_bytes_per_s, "s"),
             events_known(recording) ? "per event: not estimated" : "no events counted");
    if (v.warmup_bytes > 0)
        tile(out, warmup_series(analysis).empty() ? "warm-up" : "warm-up " + warmup_series(analysis), format_bytes(v.warmup_bytes),
             still_settling(v) ? "still settling, toward about " + format_bytes(*v.settling_toward_bytes)
                               : "steady from " + format_duration(v.warmup_end_s));
    else
        tile(out, "warm-up", "none", "");
    if (v.period_s) tile(out, "period", format_duration(*v.period_s), std::string(pattern_label(v.pattern)));
    auto limit = v.limit_bytes ? v.limit_bytes : analysis.limit_bytes;
    std::string limit_text = limit ? "limit " + format_bytes(*limit) +
                                         (analysis.limit_source.empty() ? "" : " (" + analysis.limit_source + ")")
                                   : "no limit known";
    tile(out, "time to limit", v.time_to_limit_s ? format_duration(*v.time_to_limit_s) : "\u2013", limit_text);
    tile(out, "restart every", v.restart_interval_s ? format_duration(*v.restart_interval_s) : v.decided ? "not needed" : "\u2013",
         v.restart_interval_s ? "keeps the peaks under the limit" : v.decided ? "" : "not projected until decided");
    tile(out, "confidence", format_percent(v.confidence),
         fmt::format("measured on the {}", verdict_metric_label(analysis.process)));
    out << "</div>\n</section>\n";
}

void write_facts_table(std::ostream& out, const char* id, const std::vector<Fact>& facts) {
    fmt::print(out, "<table id=\"{}\" class=\"facts\"><tbody>\n", id);
    for (const auto& fact : facts)
        fmt::print(out, "<tr><th>{}</th><td>{}</td></tr>\n", escape_markup(fact.label), escape_markup(fact.value));
    out << "</tbody></table>\n";
}

/// What each gauge says on its own, so a reader can see why the verdict rests on the metric it does.
void write_per_metric(std::ostream& out, const analysis::Analysis& analysis) {
    const auto& p = analysis.process;
    if (!p.live_heap) return;
    out << "<table id=\"per-metric\" class=\"metrics\"><thead><tr><th>series</th><th>pattern</th><th>leak</th>"
           "<th class=\"num\">steady rate</th><th class=\"num\">warm-up</th></tr></thead><tbody>\n";
    auto row = [&](std::string_view name, const diagnosis::Diagnosis& d) {
        fmt::print(out, "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                   name, escape_markup(pattern_label(d.pattern)), d.leak ? "yes" : "no",
                   escape_markup(signed_rate(d.steady_rate_bytes_per_s * 3600, "h")), escape_markup(format_bytes(d.warmup_bytes)));
    };
    row("RSS", p.rss);
    row("live heap", *p.live_heap);
    out << "</tbody></table>\n";
}

}  // namespace

void write_html(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    std::string command = recording.info.command.empty() ? std::string("(unknown command)") : command_line(recording);
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"referrer\" content=\"no-referrer\">\n";
    // No network, and only the page's own script runs (see content_security.hpp).
    out << content_security_meta(html::kPageScript);
    fmt::print(out, "<title>{}: {} \u2014 leakscope</title>\n", escape_markup(verdict_word(v)), escape_markup(command));
    out << "<style>" << html::kPageStyle << "</style>\n</head>\n<body data-ready=\"0\">\n<main>\n";
    fmt::print(out, "<h1>leakscope report for <code>{}</code></h1>\n", escape_markup(command));

    write_verdict(out, recording, analysis);

    out << "<section id=\"memory\">\n<h2>Memory over time</h2>\n";
    html::write_memory_chart(out, recording, analysis);
    out << "</section>\n";

    bool heap_known = analysis.process.live_heap.has_value();
    for (const auto& s : recording.samples) heap_known |= known(s.live_heap);
    if (heap_known) {
        out << "<section id=\"decomposition\">\n<h2>What the RSS is made of</h2>\n";
        html::write_decomposition_chart(out, recording, analysis);
        out << "</section>\n";
    }

    if (std::count_if(recording.samples.begin(), recording.samples.end(),
                      [](const SamplePoint& s) { return known(s.smaps_stacks); }) >= 2) {
        out << "<section id=\"smaps\">\n<h2>Where the resident memory lives</h2>\n";
        html::write_smaps_chart(out, recording);
        out << "</section>\n";
    }

    if (const auto runtime = analysis::runtime_heap_series(recording)) {
        out << "<section id=\"runtime-heap\">\n<h2>" << (runtime->go ? "The Go heap" : "The JVM&#39;s heap") << "</h2>\n";
        if (runtime->go)
            html::write_go_heap_chart(out, *runtime);
        else
            html::write_runtime_heap_chart(out, *runtime);
        out << "</section>\n";
    }

    // The sites' section: their charts and table, or the word that no sample fell in the heap's rise.
    const bool sites_section = !analysis.sites.empty() || analysis.unsampled_growth || analysis.arena_growth;
    if (sites_section) {
        out << "<section id=\"sites\">\n<h2>Allocation sites</h2>\n";
        if (const auto& missed = analysis.unsampled_growth)
            fmt::print(out, "<p class=\"verdict warn\" id=\"unsampled-growth\">{}</p>\n",
                       escape_markup(analysis::unsampled_growth_sentence(*missed)));
        if (const auto& arenas = analysis.arena_growth)
            fmt::print(out, "<p class=\"verdict warn\" id=\"arena-growth\">{}</p>\n", escape_markup(analysis::arena_growth_sentence(*arenas)));
    }
    if (!analysis.sites.empty()) {
        if (!recording.sites.sites.empty()) {
            out << "<h3>Live bytes of the top sites over time</h3>\n";
            html::write_site_stack_chart(out, recording, analysis);
        }
        out << "<h3>Sites, leaks first, then most steady growth</h3>\n<p class=\"note\">Click \u25b8 to see a site's full stack."
               " Rates are per hour over the steady state.</p>\n";
        html::write_site_table(out, recording, analysis);
        out << "<h3>Live bytes by stack</h3>\n<p class=\"note\">Width: bytes live at the end of the run. Red: frames "
               "leading to leaking sites (darker = more of the frame's bytes are in leaking sites). Hover for numbers.</p>\n";
        html::write_flame_graph(out, analysis);
    }
    if (sites_section) out << "</section>\n";
    html::write_exit_view(out, analysis.at_exit, recording.info);

    out << "<section id=\"details\">\n<h2>The verdict in detail</h2>\n";
    write_facts_table(out, "verdict-facts", verdict_facts(recording, analysis));
    write_per_metric(out, analysis);
    out << "</section>\n";

    out << "<section id=\"run\">\n<h2>The run</h2>\n";
    write_facts_table(out, "run-facts", run_facts(recording, analysis));
    if (!recording.warnings.empty()) {
        out << "<h3>Warnings</h3>\n<ul id=\"warnings\">\n";
        for (const auto& warning : recording.warnings) fmt::print(out, "<li>{}</li>\n", escape_markup(warning));
        out << "</ul>\n";
    }
    out << "</section>\n";
    fmt::print(out, "<footer>Generated by leakscope {}.</footer>\n</main>\n<div id=\"tooltip\" hidden></div>\n", kVersion);
    out << "<script>" << html::kPageScript << "</script>\n</body>\n</html>\n";
}

}  // namespace leakscope::report
