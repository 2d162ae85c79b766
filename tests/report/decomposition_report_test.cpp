// The RSS decomposition's line in the HTML note, the Markdown section and the JSON report: one story in
// all three, a part's rate only where it changed, and no rates at all where RSS did not change or rose
// and fell in cycles.
#include <gtest/gtest.h>

#include <string>

#include "report/json_report.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::Example;

using testing::html_text;
using testing::markdown_text;

/// The fragmentation example's RSS made a sawtooth of a recycled worker pool's tree: between the two ends
/// of the window it fell 4.74 GB/h, and its readings' trend test, fooled by where the teeth fall, finds
/// that significant.
Example recycled_worker_pool() {
    Example example = testing::fragmentation_example();
    auto& process = example.analysis.process;
    process.rss.pattern = diagnosis::Pattern::bounded_sawtooth;
    process.rss.period_s = 2.13;
    auto& parts = *process.decomposition;
    parts.rss = {-1.317e6, 0.01, true};
    parts.live_heap = {0, 1, false};
    parts.allocator_retained = {-1.317e6, 0.6, false};
    parts.rss_cycles = true;
    parts.rss_changed = false;
    return example;
}

TEST(DecompositionReport, APartWhoseIntervalIncludesZeroIsFlat) {
    const Example example = testing::fragmentation_example();
    const std::string html = html_text(example);
    EXPECT_NE(html.find("Over the steady state (from the start to 1 h), RSS changed +120 MB/h: live heap flat, mmap&#39;ed flat, allocator-retained and other +120 MB/h."),
              std::string::npos);
    const std::string markdown = markdown_text(example);
    EXPECT_NE(markdown.find("| live heap | flat |"), std::string::npos) << markdown;
    EXPECT_NE(markdown.find("| allocator-retained and other | +120 MB/h |"), std::string::npos) << markdown;
}

TEST(DecompositionReport, RssRisingAndFallingInCyclesIsNotSplitIntoRates) {
    const Example example = recycled_worker_pool();
    const std::string sentence = "RSS rose and fell (bounded sawtooth, every 2.1 s): what it changed between two points of its "
                                 "cycles depends on where they fall, so no rate is split into its parts.";
    const std::string html = html_text(example);
    EXPECT_NE(html.find(sentence), std::string::npos);
    EXPECT_EQ(html.find("GB/h"), std::string::npos) << "no rate between two teeth";
    const std::string markdown = markdown_text(example);
    EXPECT_NE(markdown.find(sentence), std::string::npos) << markdown;
    EXPECT_EQ(markdown.find("| allocator-retained"), std::string::npos) << markdown;
    const auto json = make_json_report(example.recording, example.analysis);
    const auto& parts = json.at("decomposition");
    EXPECT_FALSE(parts.at("rss_changed").get<bool>());
    EXPECT_TRUE(parts.at("rss_cycles").get<bool>());
    EXPECT_NE(parts.at("summary").get<std::string>().find(sentence), std::string::npos);
    EXPECT_DOUBLE_EQ(parts.at("rss_trend_p_value").get<double>(), 0.01);
    EXPECT_TRUE(parts.at("rss_trend_significant").get<bool>()) << "the part's own test, apart from the line's rss_changed";
}

TEST(DecompositionReport, RssWithinItsNoiseIsNotSplitIntoRates) {
    Example example = testing::fragmentation_example();
    auto& parts = *example.analysis.process.decomposition;
    parts.rss = {-0.5e3, 0.31, false};
    parts.rss_changed = false;
    const std::string markdown = markdown_text(example);
    EXPECT_NE(markdown.find("RSS did not change beyond its noise (-1.80 MB/h, no significant trend: p = 0.31): no change to "
                            "split into its parts."),
              std::string::npos)
        << markdown;
    EXPECT_EQ(markdown.find("| allocator-retained"), std::string::npos) << markdown;
}

TEST(DecompositionReport, WithTheAllocatorsFiguresTheRestIsAPartOfItsOwn) {
    // RSS growing outside the heap and the allocator's free bytes (a memfd mapped shared, thread stacks)
    // read with every part flat; the rest now carries it, in all three reports.
    Example example = testing::fragmentation_example();
    auto& parts = *example.analysis.process.decomposition;
    parts.allocator_measured = true;
    parts.allocator_retained = {0, 0.8, false};
    parts.rest = {parts.rss.bytes_per_s, 1e-6, true};
    const std::string rest = "the rest (code, stacks, other mappings, allocator headers) +120 MB/h";
    EXPECT_NE(html_text(example).find(rest), std::string::npos);
    const std::string markdown = markdown_text(example);
    EXPECT_NE(markdown.find("| the rest (code, stacks, other mappings, allocator headers) | +120 MB/h |"), std::string::npos) << markdown;
    const auto json = make_json_report(example.recording, example.analysis);
    const auto& written = json.at("decomposition");
    EXPECT_TRUE(written.at("rest_trend_significant").get<bool>());
    EXPECT_NE(written.at("summary").get<std::string>().find(rest), std::string::npos);
    // Without the allocator's figures the rest is inside "allocator-retained and other": no part of its own.
    EXPECT_FALSE(make_json_report(testing::fragmentation_example().recording, testing::fragmentation_example().analysis)
                     .at("decomposition")
                     .contains("rest_rate_bytes_per_s"));
}

}  // namespace
}  // namespace leakscope::report
