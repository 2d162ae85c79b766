// Markdown (golden), folded stacks, CSV and the terminal summary.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "golden_file.hpp"
#include "report/csv_series.hpp"
#include "report/folded_stacks.hpp"
#include "report/json_report.hpp"
#include "report/markdown_report.hpp"
#include "report/terminal_summary.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::Example;
using testing::terminal_text;

class ReportMarkdownGolden : public ::testing::TestWithParam<Example> {};

TEST_P(ReportMarkdownGolden, MatchesGolden) {
    const Example& example = GetParam();
    std::ostringstream out;
    write_markdown(out, example.recording, example.analysis);
    testing::expect_matches_golden(out.str(), example.name + ".md");
}

INSTANTIATE_TEST_SUITE_P(Examples, ReportMarkdownGolden, ::testing::ValuesIn(testing::all_examples()),
                         [](const auto& info) { return info.param.name; });

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(ReportMarkdown, TablesHaveAsManyCellsAsTheirHeader) {
    for (const auto& example : testing::all_examples()) {
        std::ostringstream out;
        write_markdown(out, example.recording, example.analysis);
        std::size_t header_cells = 0;
        bool in_code = false;
        for (const auto& line : lines_of(out.str())) {
            if (line.rfind("```", 0) == 0) in_code = !in_code;
            if (in_code || line.empty() || line[0] != '|') {
                header_cells = 0;
                continue;
            }
            std::size_t cells = 0;
            for (std::size_t i = 0; i < line.size(); ++i)
                if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++cells;
            if (header_cells == 0) header_cells = cells;
            EXPECT_EQ(cells, header_cells) << example.name << ": " << line;
        }
    }
}

TEST(ReportFolded, OneLinePerLiveStackOutermostFirstWeightedByLiveBytes) {
    Example example = testing::linear_leak_example();
    std::ostringstream out;
    write_folded(out, example.recording, example.analysis);
    auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), example.analysis.sites.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& site = example.analysis.sites[i];
        std::size_t space = lines[i].rfind(' ');
        ASSERT_NE(space, std::string::npos);
        EXPECT_EQ(std::stoll(lines[i].substr(space + 1)), std::llround(site.live_bytes)) << lines[i];
        std::string stack = lines[i].substr(0, space);
        EXPECT_EQ(stack.rfind(site.frames.back(), 0), 0u) << "outermost frame first: " << stack;
        EXPECT_EQ(stack.substr(stack.size() - site.frames.front().size()), site.frames.front());
        EXPECT_EQ(std::count(stack.begin(), stack.end(), ';'), static_cast<long>(site.frames.size() - 1));
    }
}

TEST(ReportFolded, SeparatorsInsideFramesCannotSplitThem) {
    Example example = testing::linear_leak_example();
    example.analysis.sites.resize(1);
    example.analysis.sites[0].frames = {"inner;evil\nframe (a.cpp:1)", "outer (b.cpp:2)"};
    std::ostringstream out;
    write_folded(out, example.recording, example.analysis);
    auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].substr(0, lines[0].rfind(' ')), "outer (b.cpp:2);inner,evil frame (a.cpp:1)");
}

TEST(ReportFolded, SitesHoldingNothingAreLeftOut) {
    Example example = testing::linear_leak_example();
    for (auto& site : example.analysis.sites) site.live_bytes = 0;
    std::ostringstream out;
    write_folded(out, example.recording, example.analysis);
    EXPECT_EQ(out.str(), "");
}

TEST(ReportCsv, OneRowPerSampleWithEmptyCellsForUnknownGauges) {
    Example untracked = testing::untracked_example();
    std::ostringstream out;
    write_csv(out, untracked.recording, untracked.analysis);
    auto lines = lines_of(out.str());
    ASSERT_EQ(lines.size(), untracked.recording.samples.size() + 1);
    EXPECT_EQ(lines[0], "t_s,rss,pss,anon,file,swap,live_heap,mapped,events,allocator_footprint,allocator_in_use,"
                        "allocator_free,smaps_brk_heap,smaps_stacks,smaps_anon_other,smaps_file,smaps_other,tracker_bytes,"
                        "runtime_heap_used,runtime_heap_committed,runtime_heap_max,runtime_old_gen_used,"
                        "runtime_metaspace_used,runtime_young_gcs,runtime_full_gcs,runtime_concurrent_gcs,vm_data,runtime_eden_used,"
                        "runtime_unread_jvms,smaps_stacks_mapped,allocator_reads");
    EXPECT_EQ(lines[1], "0.000,812000000,,,,,,,,,,,,,,,,,,,,,,,,,,,,,");

    Example leak = testing::linear_leak_example();
    std::ostringstream leak_out;
    write_csv(leak_out, leak.recording, leak.analysis);
    auto leak_lines = lines_of(leak_out.str());
    auto& last = leak.recording.samples.back();
    EXPECT_EQ(leak_lines.back(), fmt::format("{:.3f},{},{},{},{},{},{},{},{},,,,,,,,,,,,,,,,,,,,,,", last.t_s, last.rss, last.pss, last.anon,
                                             last.file, last.swap, last.live_heap, last.mapped, last.events));
    // The allocator's figures and the smaps categories fill their columns when known.
    last.allocator_footprint = 3000, last.allocator_in_use = 2000, last.allocator_free = 1000, last.smaps_stacks = 8192;
    std::ostringstream with_allocator;
    write_csv(with_allocator, leak.recording, leak.analysis);
    EXPECT_TRUE(lines_of(with_allocator.str()).back().ends_with(",3000,2000,1000,,8192,,,,,,,,,,,,,,,,,"));
    // ... and so do the JVM's heap figures.
    last.runtime_heap_used = 40, last.runtime_heap_committed = 50, last.runtime_heap_max = 60, last.runtime_old_gen_used = 30;
    last.runtime_young_gcs = 7, last.runtime_full_gcs = 2, last.runtime_concurrent_gcs = 0;
    std::ostringstream with_jvm;
    write_csv(with_jvm, leak.recording, leak.analysis);
    EXPECT_TRUE(lines_of(with_jvm.str()).back().ends_with(",40,50,60,30,,7,2,0,,,,,"));
    // ... and VmData, the JVM's eden, the JVMs whose counters were not found, the stacks' mapped size and
    // the count of the allocator's reads, the last columns.
    last.vm_data = 123456;
    last.runtime_eden_used = 10;
    last.runtime_unread_jvms = 1;
    last.smaps_stacks_mapped = 8388608;
    last.allocator_reads = 42;
    std::ostringstream with_vm_data;
    write_csv(with_vm_data, leak.recording, leak.analysis);
    EXPECT_TRUE(lines_of(with_vm_data.str()).back().ends_with(",7,2,0,123456,10,1,8388608,42"));
}

TEST(ReportTerminal, SummaryStatesTheVerdictRatesAndTopFiveSites) {
    Example example = testing::linear_leak_example();
    example.analysis.sites.push_back(example.analysis.sites.back());
    example.analysis.sites.back().function = "SixthSite::not_shown";
    std::string text = terminal_text(example, false);
    EXPECT_NE(text.find("leakscope: Leak"), std::string::npos) << text;
    EXPECT_NE(text.find("steady linear growth"), std::string::npos);
    EXPECT_NE(text.find("+98.0 MB/h"), std::string::npos) << text;
    EXPECT_NE(text.find("/event"), std::string::npos);
    EXPECT_NE(text.find("restart"), std::string::npos);
    EXPECT_NE(text.find("JsonLinesLogger::append(std::string_view)"), std::string::npos);
    EXPECT_NE(text.find("src/log/json_lines.cpp:88"), std::string::npos);
    EXPECT_NE(text.find("5. "), std::string::npos);
    EXPECT_EQ(text.find("SixthSite::not_shown"), std::string::npos);
    EXPECT_NE(text.find("(1 more in the reports)"), std::string::npos);
    EXPECT_NE(text.find("\u2581"), std::string::npos) << "sparkline";
    EXPECT_NE(text.find("/tmp/run.lsrec"), std::string::npos);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "no color asked for";
}

TEST(ReportTerminal, RowsOfTheSameCodeInSeveralProcessesSayWhichProcess) {
    Example example = testing::linear_leak_example();
    example.analysis.sites.front().in_process = "pid 4242 (svc)";
    const std::string text = terminal_text(example, false);
    EXPECT_NE(text.find("src/log/json_lines.cpp:88 in pid 4242 (svc)"), std::string::npos) << text;
}

TEST(ReportTerminal, AWarmupStillSettlingShowsItsPaceNotASteadyRate) {
    // A Python connection pool filling ever more slowly, judged at 18 s: "No leak: warm-up still
    // settling" beside "steady +429 MB/h" and "limit: not reached at the steady rate" read as a
    // contradiction. There is no steady state yet: the rate is the last third's pace, and the limit is
    // not reached because the warm-up levels off.
    Example example = testing::warmup_example();
    auto& v = example.analysis.process.verdict;
    v.settling_toward_bytes = 43.8e6;
    v.steady_rate_bytes_per_s = 119e3;
    v.rate_ci_low_bytes_per_s = 64.4e3;
    v.rate_ci_high_bytes_per_s = 150e3;
    v.time_to_limit_s.reset();
    v.limit_bytes = 8e9;
    ASSERT_FALSE(v.leak);
    const std::string text = terminal_text(example, false);
    EXPECT_NE(text.find("pace        +428 MB/h"), std::string::npos) << text;
    EXPECT_NE(text.find("over the run's last third"), std::string::npos) << text;
    EXPECT_NE(text.find("still settling (toward a level of about 43.8 MB)"), std::string::npos) << text;
    EXPECT_EQ(text.find("steady from"), std::string::npos) << text;
    EXPECT_EQ(text.find("at the steady rate"), std::string::npos) << text;
    std::ostringstream markdown_out;
    write_markdown(markdown_out, example.recording, example.analysis);
    const std::string markdown = markdown_out.str();
    EXPECT_NE(markdown.find("| Pace over the last third (still settling) per hour | +428 MB/h"), std::string::npos) << markdown;
    EXPECT_NE(markdown.find("not reached: the warm-up settles at about 43.8 MB"), std::string::npos) << markdown;
    EXPECT_EQ(markdown.find("Steady rate per hour"), std::string::npos) << markdown;
}

TEST(ReportTerminal, AWarmupOfRssBesideTheHeapsVerdictSaysWhose) {
    Example example = testing::linear_leak_example();
    example.analysis.process.metric = "live_heap";
    example.analysis.process.warmup_metric = "rss";
    example.analysis.process.verdict.warmup_bytes = 22.7e6;
    const std::string text = terminal_text(example, false);
    EXPECT_NE(text.find("warm-up     22.7 MB of RSS one-time"), std::string::npos) << text;
    EXPECT_EQ(make_json_report(example.recording, example.analysis)["growth"]["warmup_metric"], "rss");
}

TEST(ReportTerminal, ATargetThatDiedSaysSo) {
    Example example = testing::linear_leak_example();
    RunEnd end;
    end.reason = "exited";
    end.term_signal = 6;
    end.duration_s = 11.2;
    example.recording.end = end;
    EXPECT_NE(terminal_text(example, false).find("target      killed by signal 6 (SIGABRT) after 11.2 s"), std::string::npos)
        << terminal_text(example, false);
    example.recording.end->term_signal.reset();
    example.recording.end->exit_code = 3;
    EXPECT_NE(terminal_text(example, false).find("target      exited with code 3"), std::string::npos);
    example.recording.end->exit_code = 0;
    EXPECT_EQ(terminal_text(example, false).find("target "), std::string::npos);
}

TEST(ReportTerminal, ColorOnlyWhenAskedFor) {
    Example example = testing::warmup_example();
    std::string colored = terminal_text(example, true);
    EXPECT_NE(colored.find("\x1b[1;32m"), std::string::npos) << "no leak is green";
    EXPECT_NE(terminal_text(testing::linear_leak_example(), true).find("\x1b[1;31m"), std::string::npos);
    EXPECT_EQ(terminal_text(example, false).find('\x1b'), std::string::npos);
}

TEST(ReportTerminal, UseColorIsFalseForPipesAndNoColor) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    EXPECT_FALSE(use_color(fds[1]));
    close(fds[0]);
    close(fds[1]);
    setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(use_color(STDOUT_FILENO));
    unsetenv("NO_COLOR");
}

TEST(ReportTerminal, UndecidedOnRssAlonePointsToTheTracker) {
    Example example = testing::warmup_example();
    example.analysis.process.verdict.decided = false;
    example.analysis.process.verdict.watch_more_s = 600;
    example.recording.info.tracker_mode = "off";
    EXPECT_NE(terminal_text(example, false).find("run without --no-track"), std::string::npos) << terminal_text(example, false);
    example.recording.info.attached = true;
    EXPECT_NE(terminal_text(example, false).find("attach again with --track"), std::string::npos);
    // Tracked already, or decided: nothing to add.
    example.recording.info.tracker_mode = "full";
    EXPECT_EQ(terminal_text(example, false).find("the live heap usually can"), std::string::npos);
    example.recording.info.tracker_mode = "off";
    example.analysis.process.verdict.decided = true;
    EXPECT_EQ(terminal_text(example, false).find("the live heap usually can"), std::string::npos);
}

TEST(ReportTerminal, UndecidedWithoutGrowthDoesNotSayItGrows) {
    // A collected heap's long warm-up waits for its releases with a flat steady state: the headline read
    // "the RSS grows 0 B/h, too early to call".
    Example example = testing::warmup_example();
    auto& verdict = example.analysis.process.verdict;
    verdict.decided = false;
    verdict.watch_more_s = 60;
    verdict.steady_rate_bytes_per_s = 0;
    const std::string flat = terminal_text(example, false);
    EXPECT_EQ(flat.find("grows 0 B/h"), std::string::npos) << flat;
    EXPECT_NE(flat.find("is flat after its warm-up, too early to call: watch 1 min more"), std::string::npos) << flat;
    verdict.steady_rate_bytes_per_s = 500;
    EXPECT_NE(terminal_text(example, false).find("grows +1.80 MB/h, too early to call"), std::string::npos) << terminal_text(example, false);
}

TEST(ReportTerminal, UndecidedGrowthIsNotProjected) {
    // The engine projects no undecided growth; the limit row said "not reached at the steady rate" beside
    // "Growing 1.69 kB/s ... too early to tell" (py_big_table_slow_leak, tracked 20 s, s17 real programs).
    Example example = testing::linear_leak_example();
    auto& verdict = example.analysis.process.verdict;
    verdict.leak = false;
    verdict.decided = false;
    verdict.watch_more_s = 180;
    verdict.time_to_limit_s.reset();
    verdict.restart_interval_s.reset();
    const std::string text = terminal_text(example, false);
    EXPECT_NE(text.find(": not projected until the verdict is decided"), std::string::npos) << text;
    EXPECT_EQ(text.find("not reached at the steady rate"), std::string::npos) << text;
    std::ostringstream markdown;
    write_markdown(markdown, example.recording, example.analysis);
    EXPECT_NE(markdown.str().find("not projected until the verdict is decided"), std::string::npos) << markdown.str();
    EXPECT_EQ(markdown.str().find("not needed"), std::string::npos) << markdown.str();
    // Decided and flat: not reached, and no restart needed.
    verdict.decided = true;
    verdict.watch_more_s.reset();
    EXPECT_NE(terminal_text(example, false).find("not reached at the steady rate"), std::string::npos);
}

TEST(ReportTerminal, TheHeapsLineIsTheSeriesTheVerdictJudged) {
    // The verdict judges the heap with the anonymous mappings the tracker saw (CPython's arenas among
    // them); the line drew the heap alone, flat under an 18.3 MB warm-up the verdict counted (py_csv, s17).
    Example example = testing::linear_leak_example();
    EXPECT_NE(terminal_text(example, false).find(" live heap + mmap\n"), std::string::npos) << terminal_text(example, false);
    for (auto& s : example.recording.samples) s.mapped = 0;
    const std::string text = terminal_text(example, false);
    EXPECT_EQ(text.find("live heap + mmap"), std::string::npos) << text;
    EXPECT_NE(text.find(" live heap\n"), std::string::npos) << text;
}

TEST(ReportTerminal, ALeakOfMappingsIsNamedForThemNotForTheLiveHeap) {
    // A memfd exporter's leak (c_memfd_scrape_leak, s21): the verdict's series is the live blocks and the
    // tracked mappings together, and all of its gain was in the mappings; the headline read "Leak:
    // steady linear growth of the live heap" beside a live-heap line that stayed flat.
    Example example = testing::linear_leak_example();
    example.analysis.process.mapped_share_of_gain = 0.97;
    std::string text = terminal_text(example, false);
    EXPECT_NE(text.find("growth of the mmap'ed memory"), std::string::npos) << text;
    EXPECT_NE(text.find("on the mmap'ed memory"), std::string::npos) << text;
    std::ostringstream markdown;
    write_markdown(markdown, example.recording, example.analysis);
    EXPECT_NE(markdown.str().find("mmap'ed memory"), std::string::npos) << markdown.str();
    EXPECT_EQ(make_json_report(example.recording, example.analysis)["growth"]["metric"], "live_heap");
    example.analysis.process.mapped_share_of_gain = 0.5;
    text = terminal_text(example, false);
    EXPECT_NE(text.find("growth of the live heap and mmap'ed memory"), std::string::npos) << text;
    example.analysis.process.mapped_share_of_gain = 0.1;
    text = terminal_text(example, false);
    EXPECT_NE(text.find("growth of the live heap,"), std::string::npos) << text;
}

TEST(ReportTerminal, EmptyRecordingPrintsWithoutCrashing) {
    Example empty{"empty"};
    std::string text = terminal_text(empty, false, "");
    EXPECT_NE(text.find("Not enough data"), std::string::npos) << text;
}

}  // namespace
}  // namespace leakscope::report
