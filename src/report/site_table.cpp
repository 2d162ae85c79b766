// The table of allocation sites. Each row expands to the site's full stack (the page's script toggles
// the hidden row below it; without script the stacks stay hidden but the table still reads).
#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/html_sections.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"
#include "report/readable_names.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"

namespace leakscope::report::html {

void write_site_table(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    if (analysis.sites.empty()) {
        out << "<p class=\"empty\">No allocation sites were recorded.</p>\n";
        return;
    }
    bool per_event = events_known(recording);
    out << "<table id=\"site-table\" class=\"sites\">\n<thead><tr><th>#</th><th class=\"fn\">function, file:line</th>"
           "<th>pattern</th><th>leak</th><th class=\"num\">steady rate</th>";
    if (per_event) out << "<th class=\"num\">per event</th>";
    out << "<th class=\"num\">live at end</th><th class=\"num\">peak live</th><th class=\"num\">allocations</th></tr></thead>\n<tbody>\n";
    int columns = per_event ? 9 : 8;
    std::size_t rank = 0;
    for (const auto& site : analysis.sites) {
        ++rank;
        const auto& d = site.diagnosis;
        fmt::print(out, "<tr class=\"site{}\" data-site=\"{}\">", d.leak ? " leaking" : "", rank);
        fmt::print(out, "<td class=\"num\">{}</td>", rank);
        fmt::print(out,
                   "<td><button class=\"expand\" type=\"button\" aria-expanded=\"false\" title=\"show the stack\">"
                   "\u25b8</button> <code>{}</code><span class=\"loc\">{}</span></td>",
                   escape_markup(readable_site_function(site)), escape_markup(readable_site_location(site)));
        fmt::print(out, "<td>{}</td>", escape_markup(pattern_label(d.pattern)));
        fmt::print(out, "<td class=\"{}\">{}</td>", d.leak ? "yes" : "no",
                   escape_markup(site_leak_call(site)));
        fmt::print(out, "<td class=\"num\">{}</td>", escape_markup(signed_rate(d.steady_rate_bytes_per_s * 3600, "h")));
        if (per_event)
            fmt::print(out, "<td class=\"num\">{}</td>",
                       d.rate_bytes_per_event ? escape_markup(signed_rate(*d.rate_bytes_per_event, "event")) : "\u2013");
        fmt::print(out, "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                   escape_markup(format_bytes(site.live_bytes)), escape_markup(format_bytes(site.peak_live_bytes)),
                   escape_markup(format_count(static_cast<double>(site.total_allocations))));

        fmt::print(out, "<tr class=\"stack-row\" hidden><td></td><td colspan=\"{}\">", columns - 1);
        if (!d.summary.empty()) fmt::print(out, "<p class=\"site-summary\">{}</p>", escape_markup(d.summary));
        out << "<ol class=\"stack\">";
        if (site.frames.empty()) out << "<li>(no symbolized frames)</li>";
        for (const auto& frame : site.frames) fmt::print(out, "<li><code>{}</code></li>", escape_markup(frame));
        out << "</ol>";
        if (site.module) fmt::print(out, "<p class=\"module\">module: <code>{}</code></p>", escape_markup(*site.module));
        out << "</td></tr>\n";
    }
    out << "</tbody></table>\n";
}

void write_exit_view(std::ostream& out, const analysis::ExitView& view, const RunInfo& info) {
    const bool attached = info.attached;
    if (view.processes == 0) return;
    fmt::print(out, "<section id=\"at-exit\">\n<h2>Still allocated {}</h2>\n", attached ? "when tracking ended" : "at exit");
    std::string heading = exit_view_heading(view, attached);
    heading.front() = 'S';
    fmt::print(out, "<p class=\"note\">{}. What a leak checker at exit (LeakSanitizer) would list; the growth "
               "view above says what kept growing while the program ran.</p>\n",
               escape_markup(heading));
    if (!view.sites.empty()) {
        out << "<table id=\"exit-table\" class=\"sites\">\n<thead><tr><th>#</th><th class=\"fn\">function, file:line</th>"
               "<th class=\"num\">live at exit</th><th class=\"num\">blocks</th></tr></thead>\n<tbody>\n";
        std::size_t rank = 0;
        for (const auto& site : view.sites)
            fmt::print(out, "<tr><td class=\"num\">{}</td><td><code>{}</code><span class=\"loc\">{}</span></td><td class=\"num\">{}</td>"
                       "<td class=\"num\">{}</td></tr>\n",
                       ++rank, escape_markup(readable_function(site.name.function)), escape_markup(readable_exit_location(site.name)),
                       escape_markup(format_bytes(static_cast<double>(site.live_bytes))), site.live_count);
        out << "</tbody>\n</table>\n";
    }
    if (view.sites_not_shown > 0)
        fmt::print(out, "<p class=\"note\">{} more sites ({}) are not shown.</p>\n", view.sites_not_shown,
                   escape_markup(format_bytes(static_cast<double>(view.bytes_not_shown))));
    if (view.processes_without_goodbye > 0)
        fmt::print(out, "<p class=\"note\">{}.</p>\n",
                   escape_markup(without_final_report_text(view.processes_without_goodbye, view.processes,
                                                           info.runtime == kGoRuntime)));
    out << "</section>\n";
}

}  // namespace leakscope::report::html
