#include "report/markdown_report.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "analysis/runtime_heap.hpp"
#include "analysis/pymalloc_arenas.hpp"
#include "analysis/sampled_attribution.hpp"
#include "report/decomposition_text.hpp"
#include "report/human_units.hpp"
#include "report/readable_names.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"
#include "report/series_view.hpp"
#include "report/sparkline.hpp"
#include "util/utf8_text.hpp"

namespace leakscope::report {

namespace {

/// Program text (names, paths, argv, warnings) as plain Markdown: every character that could start
/// markup (emphasis, links, code, raw HTML, entities, table cells) is backslash-escaped, control
/// characters and line breaks become spaces, and invalid UTF-8 becomes U+FFFD.
std::string cell(std::string_view text) {
    const std::string valid = util::valid_utf8(text);
    const auto word = [&](std::size_t i) { return i < valid.size() && std::isalnum(static_cast<unsigned char>(valid[i])); };
    std::string out;
    for (std::size_t i = 0; i < valid.size(); ++i) {
        const char c = valid[i];
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) out += ' ';
        else if (c == '_' && i > 0 && word(i - 1) && word(i + 1)) out += c;  // intraword: never emphasis
        else if (std::string_view("\\`*_[]<>|~&!#").find(c) != std::string_view::npos) (out += '\\') += c;
        else out += c;
    }
    return out;
}

/// One line of a fenced block: valid UTF-8, no line breaks or control characters.
std::string code_line(std::string_view text) {
    std::string line;
    for (char c : util::valid_utf8(text)) line += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c;
    return line;
}

/// Longest run of backticks in `text`: a code span or fence needs a longer one around it.
std::size_t longest_backtick_run(std::string_view text) {
    std::size_t longest = 0, run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return longest;
}

/// `text` as inline code: inside a code span nothing is markup, so only the span's own delimiter
/// (longer than any backtick run inside), the table's '|' and line breaks need care.
std::string code(std::string_view text) {
    std::string inner;
    for (char c : util::valid_utf8(text)) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) inner += ' ';
        else if (c == '|') inner += "\\|";
        else inner += c;
    }
    const std::string fence(longest_backtick_run(inner) + 1, '`');
    // A space on each side (dropped when rendered) keeps a backtick at either end off the delimiter.
    const bool pad = !inner.empty() && (inner.front() == '`' || inner.back() == '`');
    return pad ? fence + " " + inner + " " + fence : fence + inner + fence;
}

void facts_table(std::ostream& out, const std::vector<Fact>& facts) {
    out << "| | |\n|---|---|\n";
    for (const auto& fact : facts) fmt::print(out, "| {} | {} |\n", cell(fact.label), cell(fact.value));
}

constexpr std::size_t kStacksShown = 5;

/// The LeakSanitizer view: what the processes that ended still held, by site, next to the growth view.
void exit_view_section(std::ostream& out, const analysis::ExitView& view, const RunInfo& info) {
    const bool attached = info.attached;
    if (view.processes == 0) return;
    out << "\n### Still allocated " << (attached ? "when tracking ended" : "at exit") << "\n\n";
    std::string heading = exit_view_heading(view, attached);
    heading.front() = 'S';
    out << cell(heading) << ".\n";
    if (!view.sites.empty()) {
        out << "\n| # | function | file:line | live | blocks |\n|--:|---|---|--:|--:|\n";
        std::size_t rank = 0;
        for (const auto& site : view.sites)
            fmt::print(out, "| {} | {} | {} | {} | {} |\n", ++rank, code(readable_function(site.name.function)), code(readable_exit_location(site.name)),
                       format_bytes(static_cast<double>(site.live_bytes)), site.live_count);
    }
    if (view.sites_not_shown > 0)
        fmt::print(out, "\n{} more sites ({}) are not shown.\n", view.sites_not_shown, format_bytes(static_cast<double>(view.bytes_not_shown)));
    if (view.processes_without_goodbye > 0)
        fmt::print(out, "\n{}.\n", without_final_report_text(view.processes_without_goodbye, view.processes,
                                                             info.runtime == kGoRuntime));
}

}  // namespace

void write_markdown(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& v = analysis.process.verdict;
    fmt::print(out, "## leakscope: {} \u2014 {}\n\n", verdict_word(v), cell(verdict_headline(analysis)));
    fmt::print(out, "**{}** (severity {}, confidence {}).", verdict_word(v), severity_label(v.severity),
               format_percent(v.confidence));
    if (!v.summary.empty()) out << ' ' << cell(v.summary);
    out << "\n\n";
    fmt::print(out, "Command: {}\n\n", recording.info.command.empty() ? std::string("(unknown)") : code(command_line(recording)));

    out << "### Verdict\n\n";
    facts_table(out, verdict_facts(recording, analysis));

    out << "\n### Memory\n\n| series | start | peak | end | change |\n|---|--:|--:|--:|--:|\n";
    // A Go program's runtime figures are its collections' (gctrace): what the last one found live, and its goal.
    const bool go = recording.info.runtime == kGoRuntime;
    const struct {
        Gauge gauge;
        const char* name;
    } kGauges[] = {{Gauge::rss, "RSS"}, {Gauge::pss, "PSS"}, {Gauge::live_heap, "live heap"}, {Gauge::mapped, "mmap'ed"},
                   {Gauge::swap, "swap"}, {Gauge::runtime_heap_used, go ? "Go heap live at the last collection" : "JVM heap used"},
                   {Gauge::runtime_heap_committed, go ? "Go heap goal" : "JVM heap committed"},
                   {Gauge::runtime_old_gen_used, "JVM old generation"}};
    for (const auto& g : kGauges) {
        if (go && g.gauge == Gauge::runtime_old_gen_used) continue;  // no generations (early recordings repeat the level there)
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

    if (const auto runtime = analysis::runtime_heap_series(recording))
        fmt::print(out, "\n{}\n", runtime->go ? analysis::go_heap_sentence(*runtime) : analysis::runtime_heap_sentence(*runtime));

    if (const auto& d = analysis.process.decomposition) {
        out << "\n### Where the RSS growth went (steady state)\n\n";
        if (d->rss_changed) {
            fmt::print(out, "Each part's change {}, per hour; \"flat\": no significant trend (Mann–Kendall at 5%).\n\n"
                       "| part | rate |\n|---|--:|\n",
                       window_text(*d));
            fmt::print(out, "| RSS | {} |\n| live heap | {} |\n| mmap'ed | {} |\n| {} | {} |\n", part_rate_text(d->rss),
                       part_rate_text(d->live_heap), part_rate_text(d->mapped), retained_part_name(*d),
                       part_rate_text(d->allocator_retained));
            if (d->allocator_measured) fmt::print(out, "| {} | {} |\n", kRestPartName, part_rate_text(d->rest));
        } else {
            out << cell(decomposition_sentence(*d, analysis.process.rss)) << '\n';
        }
    }

    if (!analysis.sites.empty()) {
        bool per_event = events_known(recording);
        out << "\n### Allocation sites (leaks first, then most steady growth)\n\n";
        out << "| # | function | file:line | pattern | leak | steady rate |" << (per_event ? " per event |" : "")
            << " live at end | peak live |\n";
        out << "|--:|---|---|---|---|--:|" << (per_event ? "--:|" : "") << "--:|--:|\n";
        std::size_t rank = 0;
        for (const auto& site : analysis.sites) {
            const auto& d = site.diagnosis;
            ++rank;
            fmt::print(out, "| {} | {} | {} | {} | {} | {} |", rank, code(readable_site_function(site)),
                       code(readable_site_location(site)), pattern_label(d.pattern),
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
            // The fence is longer than any backtick run in the frames, so no frame can close it.
            std::size_t run = 0;
            for (const auto& frame : site.frames) run = std::max(run, longest_backtick_run(frame));
            const std::string fence(std::max<std::size_t>(3, run + 1), '`');
            fmt::print(out, "{}. {} at {}\n\n{}\n", rank, code(readable_site_function(site)),
                       code(readable_site_location(site)), fence);
            for (const auto& frame : site.frames) out << code_line(frame) << '\n';
            if (site.frames.empty()) out << "(no symbolized frames)\n";
            out << fence << "\n\n";
        }
        out << "</details>\n";
    }

    if (const auto& missed = analysis.unsampled_growth)
        out << "\n**Sites:** " << cell(analysis::unsampled_growth_sentence(*missed)) << '\n';
    if (const auto& arenas = analysis.arena_growth)
        out << "\n**Sites:** " << cell(analysis::arena_growth_sentence(*arenas)) << '\n';
    exit_view_section(out, analysis.at_exit, recording.info);
    out << "\n### Run\n\n";
    facts_table(out, run_facts(recording, analysis));
    if (!recording.warnings.empty()) {
        out << "\nWarnings:\n\n";
        for (const auto& warning : recording.warnings) out << "- " << cell(warning) << '\n';
    }
}

}  // namespace leakscope::report
