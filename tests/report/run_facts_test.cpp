// The reports' Run table and the JSON report's run object say which runtime leakscope found in the
// target's program (RunInfo::runtime, recording format 2.10): a Go program's heap is its collector's,
// which no allocation tracker sees, and the verdict waits on it as on node's.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/markdown_report.hpp"
#include "report/report_facts.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::fact_value;

TEST(RunFacts, AGoProgramIsNamedInTheRunTableAndTheJsonReport) {
    // examples/patterns/go/session_lru_flat.go under --no-track (session 30).
    const Recording recording = recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/go_session_lru_flat_no_track.lks");
    const analysis::Analysis analysis = analysis::analyze(recording, {});
    const std::string runtime = fact_value(run_facts(recording, analysis), "Runtime");
    EXPECT_EQ(runtime.rfind("Go: ", 0), 0u) << runtime;
    EXPECT_NE(runtime.find("no allocation tracker sees it"), std::string::npos) << runtime;
    EXPECT_EQ(make_json_report(recording, analysis)["run"]["runtime"], "go");
    // A program of no runtime of its own: no row, and null in the JSON.
    Recording plain = recording;
    plain.info.runtime.clear();
    EXPECT_EQ(fact_value(run_facts(plain, analysis), "Runtime"), "(none)");
    EXPECT_TRUE(make_json_report(plain, analysis)["run"]["runtime"].is_null());
}

TEST(RunFacts, AGoProgramsCollectionsAreShownWhereTheJvmsHeapWouldBe) {
    // The same program with its gctrace lines read (session 33): the HTML's runtime heap section charts what
    // each collection found live and the goal, the Markdown and the Run table say where the figures come from.
    const Recording recording = recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/go_session_lru_flat_gctrace.lks");
    const analysis::Analysis analysis = analysis::analyze(recording, {});
    std::ostringstream html, markdown;
    write_html(html, recording, analysis);
    write_markdown(markdown, recording, analysis);
    EXPECT_NE(html.str().find("<h2>The Go heap</h2>"), std::string::npos);
    EXPECT_NE(html.str().find("id=\"runtime-heap-chart\""), std::string::npos);
    EXPECT_EQ(html.str().find("The JVM&#39;s heap"), std::string::npos);
    EXPECT_NE(markdown.str().find("The Go heap: its last of 4 collections"), std::string::npos) << markdown.str();
    EXPECT_NE(markdown.str().find("found 6.29 MB live"), std::string::npos) << markdown.str();
    EXPECT_NE(markdown.str().find("| Go heap live at the last collection | 3.15 MB | 6.29 MB | 6.29 MB |"), std::string::npos) << markdown.str();
    EXPECT_EQ(markdown.str().find("JVM"), std::string::npos) << markdown.str();
    EXPECT_NE(fact_value(run_facts(recording, analysis), "Runtime").find("gctrace"), std::string::npos);
    // A static binary: tracking was asked for (the default) and nothing reported to it.
    EXPECT_EQ(fact_value(run_facts(recording, analysis), "Allocation tracker"), "full, but no process reported to it (see the warnings)");
    EXPECT_EQ(fact_value(verdict_facts(recording, analysis), "Measured on"), "Go heap");
}

TEST(RunFacts, AGoProgramEndingByItsOwnExitCallIsNotSaidToHaveDied) {
    // Debian's prometheus (Go with cgo, so tracked) scraping itself for 60 s (session 33): stopped by --duration,
    // it exits by its own exit_group, past the tracker's exit hooks. Its collections found 7, 9, 9 MiB while
    // RSS's warm-up ran past the last of them: undecided.
    const Recording recording = recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/prometheus_self_scrape_60s_tracked.lks");
    const analysis::Analysis analysis = analysis::analyze(recording, {});
    ASSERT_GT(analysis.at_exit.processes_without_goodbye, 0u);
    std::ostringstream html, markdown;
    write_html(html, recording, analysis);
    write_markdown(markdown, recording, analysis);
    for (const std::string& text : {html.str(), markdown.str()}) {
        EXPECT_NE(text.find("ended without a final report (a Go program exits by its own system call"), std::string::npos);
        EXPECT_EQ(text.find("died without a final report"), std::string::npos);
    }
    EXPECT_FALSE(analysis.process.verdict.decided) << analysis.process.verdict.summary;
    EXPECT_FALSE(analysis.process.verdict.leak) << analysis.process.verdict.summary;
}

}  // namespace
}  // namespace leakscope::report
