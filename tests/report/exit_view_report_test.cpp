// The LeakSanitizer view (what the processes that ended still held, by site) in the terminal summary,
// the Markdown and the HTML, next to the growth view; names from the target are text, never markup.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>

#include "report/html_report.hpp"
#include "report/markdown_report.hpp"
#include "report/terminal_summary.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::Example;

// The leaking logger's run with an exit view: the logger's buffer, a block of a stripped library (its
// module only) and a site whose name carries a terminal escape and markup.
Example with_exit_view() {
    Example example = testing::linear_leak_example();
    analysis::ExitView& view = example.analysis.at_exit;
    view.processes = 1;
    analysis::ExitSiteReport logger;
    logger.name.function = "JsonLinesLogger::append(std::string_view)";
    logger.name.file = "src/log/json_lines.cpp";
    logger.name.line = 88;
    logger.live_bytes = 7150000;
    logger.live_count = 1200;
    analysis::ExitSiteReport stripped;
    stripped.name.module = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
    stripped.live_bytes = 72704;
    stripped.live_count = 1;
    analysis::ExitSiteReport hostile;
    hostile.name.function = "evil\x1b[2J<script>alert(1)</script>|`x`";
    hostile.name.file = "a|b.cpp";
    hostile.live_bytes = 16;
    hostile.live_count = 1;
    view.sites = {logger, stripped, hostile};
    view.site_count = 4;
    view.sites_not_shown = 1;
    view.bytes_not_shown = 32;
    view.live_bytes = 7150000 + 72704 + 16 + 32;
    view.live_count = 1203;
    return example;
}

TEST(ExitViewReport, TerminalNamesEverySiteWithItsModuleWhenTheSourceIsUnknown) {
    const std::string text = testing::terminal_text(with_exit_view(), false, "/tmp/run.lks");
    EXPECT_NE(text.find("still allocated at exit: 7.22 MB in 1,203 blocks from 4 sites"), std::string::npos) << text;
    EXPECT_NE(text.find("src/log/json_lines.cpp:88"), std::string::npos) << text;
    EXPECT_NE(text.find("libstdc++.so.6"), std::string::npos) << "the module, where no source is known";
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "a symbol name cannot clear the user's terminal";
}

TEST(ExitViewReport, ASumOverSeveralProcessesSaysSo) {
    // A worker pool recycling its workers: each one's state at its exit, added up, can exceed what the
    // run ever held at once (365 MB summed over 35 generations, RSS at most 132 MB).
    Example example = with_exit_view();
    example.analysis.at_exit.processes = 36;
    const std::string text = testing::terminal_text(example, false, "/tmp/run.lks");
    EXPECT_NE(text.find("still allocated at exit, summed over the 36 processes that ended: 7.22 MB"), std::string::npos) << text;
}

TEST(ExitViewReport, MarkdownListsTheSitesAsCodeInATable) {
    const Example example = with_exit_view();
    std::ostringstream out;
    write_markdown(out, example.recording, example.analysis);
    const std::string md = out.str();
    const auto at = md.find("### Still allocated at exit");
    ASSERT_NE(at, std::string::npos) << md;
    EXPECT_LT(md.find("### Allocation sites"), at) << "after the growth view";
    EXPECT_NE(md.find("| 1 | `JsonLinesLogger::append(std::string_view)` | `src/log/json_lines.cpp:88` | 7.15 MB | 1200 |"),
              std::string::npos) << md;
    EXPECT_NE(md.find("`libstdc++.so.6`"), std::string::npos) << md;
    // A code span (nothing inside one is markup) fenced longer than the name's own backticks, its '|'
    // escaped so the row is not split, the escape character a space.
    EXPECT_NE(md.find("| `` evil [2J<script>alert(1)</script>\\|`x` `` |"), std::string::npos) << md;
    EXPECT_EQ(md.find('\x1b'), std::string::npos);
    EXPECT_NE(md.find("1 more sites (32 B) are not shown."), std::string::npos) << md;
}

TEST(ExitViewReport, HtmlHasItsOwnSectionAfterTheSites) {
    const Example example = with_exit_view();
    std::ostringstream out;
    write_html(out, example.recording, example.analysis);
    const std::string html = out.str();
    const auto at = html.find("<section id=\"at-exit\">");
    ASSERT_NE(at, std::string::npos);
    EXPECT_LT(html.find("<section id=\"sites\">"), at);
    EXPECT_NE(html.find("JsonLinesLogger::append(std::string_view)", at), std::string::npos);
    EXPECT_NE(html.find("libstdc++.so.6", at), std::string::npos);
    EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos) << "escaped";
    EXPECT_NE(html.find("&lt;script&gt;alert(1)", at), std::string::npos);
    // No exit view when no tracked process ended (attach, --duration): no section.
    std::ostringstream none;
    write_html(none, testing::linear_leak_example().recording, testing::linear_leak_example().analysis);
    EXPECT_EQ(none.str().find("id=\"at-exit\""), std::string::npos);
}

}  // namespace
}  // namespace leakscope::report
