// The comparison table from known run measurements: ranking, baseline tests, the JSON contract and the
// wording of the text, Markdown and HTML.
#include <gtest/gtest.h>

#include <sstream>

#include "compare/comparison.hpp"
#include "compare/comparison_report.hpp"

namespace leakscope::compare {
namespace {

RunMeasurement run_at(std::size_t configuration, int repeat, double rate, double half_width,
                      diagnosis::Pattern pattern = diagnosis::Pattern::linear_growth) {
    RunMeasurement run;
    run.configuration = configuration;
    run.repeat = repeat;
    run.diagnosis.pattern = pattern;
    run.diagnosis.leak = rate > 1000;
    run.diagnosis.steady_rate_bytes_per_s = rate;
    run.diagnosis.rate_ci_low_bytes_per_s = rate - half_width;
    run.diagnosis.rate_ci_high_bytes_per_s = rate + half_width;
    run.diagnosis.warmup_bytes = 1 << 20;
    run.duration_s = 10;
    if (rate > 1000) run.top_site = "EventLog::append";
    return run;
}

/// The five configurations in bytes/s (102, 31, 50, 53, 53 MB/h), three runs each with 3% noise.
std::vector<RunMeasurement> five_configurations() {
    const double mb_per_h = 1e6 / 3600;
    const double rates[] = {102 * mb_per_h, 31 * mb_per_h, 50 * mb_per_h, 53 * mb_per_h, 53 * mb_per_h};
    const double wobble[] = {-0.03, 0.0, 0.03};
    std::vector<RunMeasurement> runs;
    for (int repeat = 1; repeat <= 3; ++repeat) {
        for (std::size_t c = 0; c < 5; ++c) {
            const double rate = rates[c] * (1 + wobble[(repeat + c) % 3]);
            runs.push_back(run_at(c, repeat, rate, 0.05 * rate));
        }
    }
    return runs;
}

const std::vector<std::string> kNames = {"before", "after", "flush-only", "attempt-1", "attempt-2"};

TEST(CompareComparison, RanksAndTestsAgainstTheBaseline) {
    const auto comparison = compare_runs(kNames, five_configurations(), "live_heap");
    ASSERT_EQ(comparison.configurations.size(), 5u);
    EXPECT_EQ(comparison.configurations[0].name, "before");  // baseline first, whatever its rank
    EXPECT_FALSE(comparison.configurations[0].vs_baseline);
    EXPECT_EQ(comparison.configurations[0].rank, 5);
    EXPECT_EQ(comparison.configurations[1].rank, 1);
    EXPECT_EQ(comparison.ranked().front(), 1u);
    for (std::size_t c = 1; c < 5; ++c) {
        const auto& vs = *comparison.configurations[c].vs_baseline;
        EXPECT_TRUE(vs.significant) << kNames[c];
        EXPECT_EQ(vs.direction, Direction::better);
        EXPECT_EQ(vs.test->test, kWelchTestName);
        EXPECT_LT(*vs.relative_change, -0.4);
    }
    EXPECT_NEAR(*comparison.configurations[1].vs_baseline->relative_change, 31.0 / 102.0 - 1, 0.01);
    EXPECT_FALSE(comparison.any_significantly_worse());
    EXPECT_EQ(comparison.configurations[1].runs, 3u);
    EXPECT_EQ(comparison.configurations[1].top_site, "EventLog::append");
    EXPECT_TRUE(comparison.configurations[1].leak);
    // Three runs: a Student-t interval around the mean that covers the runs' spread.
    EXPECT_LT(comparison.configurations[1].rate_ci_low_bytes_per_s, comparison.configurations[1].rate_bytes_per_s);
    EXPECT_GT(comparison.configurations[1].rate_ci_high_bytes_per_s, comparison.configurations[1].run_rates_bytes_per_s[0]);
}

TEST(CompareComparison, EqualConfigurationsAreNotSignificantlyDifferentAndWorseIsFlagged) {
    std::vector<RunMeasurement> runs;
    const double base[] = {200000, 203000}, same[] = {201500, 198500}, worse[] = {800000, 790000};
    for (int r = 0; r < 2; ++r) {
        runs.push_back(run_at(0, r + 1, base[r], 4000));
        runs.push_back(run_at(1, r + 1, same[r], 4000));
        runs.push_back(run_at(2, r + 1, worse[r], 9000));
    }
    const auto comparison = compare_runs({"base", "same", "worse"}, runs, "live_heap");
    EXPECT_FALSE(comparison.configurations[1].vs_baseline->significant);
    EXPECT_EQ(comparison.configurations[1].vs_baseline->direction, Direction::same);
    EXPECT_TRUE(comparison.configurations[2].vs_baseline->significant);
    EXPECT_EQ(comparison.configurations[2].vs_baseline->direction, Direction::worse);
    EXPECT_TRUE(comparison.any_significantly_worse());
    EXPECT_EQ(comparison.configurations[2].rank, 3);

    ExperimentFacts facts;
    facts.command = {"./svc"};
    facts.repeats = 2;
    facts.runs = runs;
    const auto text = comparison_text(comparison, facts);
    EXPECT_NE(text.find("not significantly different (p = "), std::string::npos) << text;
    EXPECT_NE(text.find("significantly worse (p"), std::string::npos) << text;
    EXPECT_NE(text.find(kWelchTestName), std::string::npos) << text;
}

TEST(CompareComparison, PracticallyTinyDifferencesAreNotCalledSignificant) {
    // Near-noiseless runs 1% apart: Welch's p is tiny, but 1% is below the 5% minimum change.
    std::vector<RunMeasurement> runs = {run_at(0, 1, 100000, 100), run_at(0, 2, 100010, 100),
                                        run_at(1, 1, 101000, 100), run_at(1, 2, 101012, 100)};
    const auto comparison = compare_runs({"a", "b"}, runs, "live_heap");
    const auto& vs = *comparison.configurations[1].vs_baseline;
    EXPECT_LT(vs.test->p_value, 0.05);
    EXPECT_FALSE(vs.significant);
    ExperimentFacts facts;
    facts.repeats = 2;
    EXPECT_NE(comparison_text(comparison, facts).find("not significantly different: change below the 5% minimum"),
              std::string::npos);
    ComparisonOptions no_minimum;
    no_minimum.min_relative_change = 0;
    EXPECT_TRUE(compare_runs({"a", "b"}, runs, "live_heap", no_minimum).configurations[1].vs_baseline->significant);
}

TEST(CompareComparison, OneRunFallsBackOnTheRunsIntervals) {
    std::vector<RunMeasurement> runs = {run_at(0, 1, 100000, 5000), run_at(1, 1, 104000, 5000), run_at(2, 1, 150000, 5000)};
    const auto comparison = compare_runs({"a", "b", "c"}, runs, "rss");
    EXPECT_EQ(comparison.configurations[1].vs_baseline->test->test, kIntervalTestName);
    EXPECT_FALSE(comparison.configurations[1].vs_baseline->significant);
    EXPECT_TRUE(comparison.configurations[2].vs_baseline->significant);
    EXPECT_EQ(comparison.configurations[0].rate_ci_low_bytes_per_s, 95000);  // the run's own interval
    EXPECT_EQ(comparison.test_summary(), kIntervalTestName);
}

TEST(CompareComparison, RunsWithTooLittleDataAreLeftOutAndSaidSo) {
    std::vector<RunMeasurement> runs = {run_at(0, 1, 100000, 5000), run_at(1, 1, 0, 0, diagnosis::Pattern::insufficient_data)};
    const auto comparison = compare_runs({"a", "b"}, runs, "live_heap");
    EXPECT_EQ(comparison.configurations[1].runs, 0u);
    EXPECT_EQ(comparison.configurations[1].planned_runs, 1u);
    EXPECT_FALSE(comparison.configurations[1].vs_baseline->test);
    EXPECT_FALSE(comparison.configurations[1].vs_baseline->significant);
    EXPECT_EQ(comparison.configurations[1].rank, 2);  // no data ranks last
    EXPECT_GE(comparison.notes.size(), 2u);
}

TEST(CompareComparison, JsonKeepsTheContractFieldNames) {
    const auto runs = five_configurations();
    const auto comparison = compare_runs(kNames, runs, "live_heap");
    ExperimentFacts facts;
    facts.command = {"./svc", "--port", "80"};
    facts.repeats = 3;
    facts.runs = runs;
    for (const auto& name : kNames) facts.configurations.push_back({name, {{"MODE", name}}, {}});
    const auto json = comparison_json(comparison, facts);
    ASSERT_TRUE(json["configurations"].is_array());
    ASSERT_EQ(json["configurations"].size(), 5u);
    EXPECT_EQ(json["configurations"][0]["name"], "before");
    for (const auto& item : json["configurations"]) {
        for (const char* key : {"name", "runs", "rate_bytes_per_s", "rate_ci_low_bytes_per_s", "rate_ci_high_bytes_per_s",
                                "rate_bytes_per_event", "leak", "change_vs_baseline", "significant_vs_baseline"}) {
            EXPECT_TRUE(item.contains(key)) << key;
        }
        EXPECT_EQ(item["runs"], 3);
        EXPECT_EQ(item["run_details"].size(), 3u);
    }
    EXPECT_EQ(json["configurations"][0]["change_vs_baseline"], 0.0);
    EXPECT_EQ(json["configurations"][0]["significant_vs_baseline"], false);
    EXPECT_EQ(json["configurations"][1]["significant_vs_baseline"], true);
    EXPECT_LT(json["configurations"][1]["change_vs_baseline"].get<double>(), -0.6);
    EXPECT_EQ(json["configurations"][1]["env"]["MODE"], "after");
    EXPECT_EQ(json["ranking"][0], "after");
    EXPECT_EQ(json["test"], kWelchTestName);
}

TEST(CompareComparison, MarkdownAndHtmlCarryTheTableAndTheChart) {
    const auto runs = five_configurations();
    const auto comparison = compare_runs(kNames, runs, "live_heap");
    ExperimentFacts facts;
    facts.command = {"./svc"};
    facts.repeats = 3;
    facts.runs = runs;
    const auto markdown = comparison_markdown(comparison, facts);
    EXPECT_NE(markdown.find("| rank | configuration |"), std::string::npos);
    EXPECT_NE(markdown.find("| 1 | after |"), std::string::npos) << markdown;
    const auto html = comparison_html(comparison, facts);
    EXPECT_NE(html.find("<svg id=\"compare-rates\""), std::string::npos);
    // One mean dot per configuration, one ring per run.
    std::size_t dots = 0, rings = 0;
    for (auto at = html.find("class=\"mean "); at != std::string::npos; at = html.find("class=\"mean ", at + 1)) ++dots;
    for (auto at = html.find("class=\"run\""); at != std::string::npos; at = html.find("class=\"run\"", at + 1)) ++rings;
    EXPECT_EQ(dots, 5u);
    EXPECT_EQ(rings, 15u);
    EXPECT_NE(html.find("/h</text>"), std::string::npos);  // axis in bytes per hour
}

TEST(CompareComparison, HtmlShowsWhatEachConfigurationSets) {
    const auto runs = five_configurations();
    const auto comparison = compare_runs(kNames, runs, "live_heap");
    ExperimentFacts facts;
    facts.command = {"./svc"};
    facts.runs = runs;
    for (const auto& name : kNames) facts.configurations.push_back({name, {{"MODE", name}}, {"--level=<3>"}});
    facts.configurations.front() = {kNames[0], {}, {}};
    const auto html = comparison_html(comparison, facts);
    EXPECT_NE(html.find("<li><strong>before</strong>: the command as given</li>"), std::string::npos) << html;
    EXPECT_NE(html.find("<li><strong>after</strong>: <code>MODE=after --level=&lt;3&gt;</code></li>"), std::string::npos);
}

TEST(CompareComparison, JUnitHasOneCasePerConfigurationFailedWhenWorseOrLeaking) {
    const auto runs = five_configurations();
    const auto comparison = compare_runs(kNames, runs, "live_heap");
    ExperimentFacts facts;
    facts.command = {"./svc"};
    facts.runs = runs;
    for (const auto& name : kNames) facts.configurations.push_back({name, {{"MODE", name}}, {}});
    std::ostringstream out;
    write_comparison_junit(out, comparison, facts);
    const std::string xml = out.str();
    std::size_t cases = 0, failures = 0;
    for (auto at = xml.find("<testcase "); at != std::string::npos; at = xml.find("<testcase ", at + 1)) ++cases;
    for (auto at = xml.find("<failure "); at != std::string::npos; at = xml.find("<failure ", at + 1)) ++failures;
    EXPECT_EQ(cases, 5u);
    std::size_t expected = 0;
    for (const auto& c : comparison.configurations)
        expected += (c.leak || (c.vs_baseline && c.vs_baseline->direction == Direction::worse)) ? 1 : 0;
    EXPECT_EQ(failures, expected) << xml;
    EXPECT_NE(xml.find("failures=\"" + std::to_string(expected) + "\""), std::string::npos);
    EXPECT_NE(xml.find("name=\"after (MODE=after)\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace leakscope::compare
