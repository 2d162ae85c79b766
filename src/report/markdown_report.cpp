#include "report/markdown_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/human_units.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "report/series_view.hpp"
#include "report/sparkline.hpp"

namespace leakscope::report {

namespace {

/// Table cells may not hold '|' or line breaks.
std::string cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|') out += "\\|";
        else if (c == '\n' || c == '\r') out += ' ';
        else out += c;
    }
    return out;
}

/// `text` as inline code, unless it holds a backtick (then plain, escaped).
std::string code(std::string_view text) {
    if (text.find('`') != std::string_view::npos) return cell(text);
    return fmt::format("`{}`", cell(text));
}

void facts_table(std::ostream& out, const std::vector<Fact>& facts) {
    out << "| | |\n|---|---|\n";
    for (const auto& fact : facts) fmt::print(out, "| {} | {} |\n", cell(fact.label), cell(fact.value));
}

constexpr std::size_t kStacksShown = 5;

}  // namespace

void write_markdown(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    fmt::print(out, "## leakscope: {} \u2014 {}\n\n", verdict_word(v), verdict_headline(analysis));
    fmt::print(out, "**{}** (severity {}, confidence {}).", verdict_word(v), severity_label(v.severity),
               format_percent(v.confidence));
    if (!v.summary.empty()) out << ' ' << v.summary;
    out << "\n\n";
    fmt::print(out, "Command: {}\n\n", recording.info.command.empty() ? std::string("(unknown)") : code(command_line(recording)));

    out << "### Verdict\n\n";
    facts_table(out, verdict_facts(recording, analysis));

    out << "\n### Memory\n\n| series | start | peak | end | change |\n|---|--:|--:|--:|--:|\n";
    const struct {
        Gauge gauge;
        const char* name;
    } kGauges[] = {{Gauge::rss, "RSS"}, {Gauge::pss, "PSS"}, {Gauge::live_heap, "live heap"}, {Gauge::mapped, "mmap'ed"},
                   {Gauge::swap, "swap"}};
    for (const auto& g : kGauges) {
        auto series = gauge_series(recording, g.gauge);
        if (!series) continue;
        double first = NAN, last = NAN, peak = NAN;
        for (std::size_t i = 0; i < series->value.size(); ++i) {
            if (!std::isfinite(series->value[i])) continue;
            if (std::isnan(first)) first = series->value[i];
            last = series->value[i];
            peak = std::isnan(peak) ? series->high[i] : std::max(peak, series->high[i]);
        }
        if (std::isnan(first)) continue;
        double change = last - first;
        fmt::print(out, "| {} | {} | {} | {} | {}{} |\n", g.name, format_bytes(first), format_bytes(peak),
                   format_bytes(last), change > 0 ? "+" : "", format_bytes(change));
    }

    // The shape at a glance, for readers who will not open the HTML report.
    std::vector<double> rss;
    for (const auto& s : recording.samples) rss.push_back(static_cast<double>(s.rss));
    std::string line = sparkline(rss, 60);
    if (!line.empty()) fmt::print(out, "\nRSS over {}: `{}`\n", format_duration(analysis.duration_s), line);

    if (const auto& d = analysis.process.decomposition) {
        out << "\n### Where the RSS growth went (steady state)\n\n| part | rate |\n|---|--:|\n";
        fmt::print(out, "| RSS | {} |\n| live heap | {} |\n| mmap'ed | {} |\n| allocator-retained | {} |\n",
                   signed_rate(d->rss_rate * 3600, "h"), signed_rate(d->live_heap_rate * 3600, "h"),
                   signed_rate(d->mapped_rate * 3600, "h"), signed_rate(d->allocator_retained_rate * 3600, "h"));
    }

    if (!analysis.sites.empty()) {
        bool per_event = events_known(recording);
        out << "\n### Allocation sites (most steady growth first)\n\n";
        out << "| # | function | file:line | pattern | leak | steady rate |" << (per_event ? " per event |" : "")
            << " live at end | peak live |\n";
        out << "|--:|---|---|---|---|--:|" << (per_event ? "--:|" : "") << "--:|--:|\n";
        std::size_t rank = 0;
        for (const auto& site : analysis.sites) {
            const auto& d = site.diagnosis;
            ++rank;
            fmt::print(out, "| {} | {} | {} | {} | {} | {} |", rank, code(site.function.empty() ? "??" : site.function),
                       code(site_location(site)), pattern_label(d.pattern),
                       site_leak_call(site),
                       signed_rate(d.steady_rate_bytes_per_s * 3600, "h"));
            if (per_event)
                fmt::print(out, " {} |", d.rate_bytes_per_event ? signed_rate(*d.rate_bytes_per_event, "event") : "\u2013");
            fmt::print(out, " {} | {} |\n", format_bytes(site.live_bytes), format_bytes(site.peak_live_bytes));
        }
        out << "\n<details><summary>Stacks of the top " << std::min(kStacksShown, analysis.sites.size())
            << " sites</summary>\n\n";
        rank = 0;
        for (const auto& site : analysis.sites) {
            if (rank == kStacksShown) break;
            ++rank;
            fmt::print(out, "{}. {} at {}\n\n```\n", rank, code(site.function.empty() ? "??" : site.function),
                       code(site_location(site)));
            for (const auto& frame : site.frames) out << frame << '\n';
            if (site.frames.empty()) out << "(no symbolized frames)\n";
            out << "```\n\n";
        }
        out << "</details>\n";
    }

    out << "\n### Run\n\n";
    facts_table(out, run_facts(recording, analysis));
    if (!recording.warnings.empty()) {
        out << "\nWarnings:\n\n";
        for (const auto& warning : recording.warnings) out << "- " << warning << '\n';
    }
}

}  // namespace leakscope::report
