// The HTML report's structure (golden), self-containment, escaping, and size/speed on a day-long run.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>

#include "golden_file.hpp"
#include "html_outline.hpp"
#include "report/content_security.hpp"
#include "report/html_report.hpp"
#include "report_fixtures.hpp"

namespace leakscope::report {
namespace {

using testing::Example;

using testing::html_text;

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

class ReportHtmlGolden : public ::testing::TestWithParam<Example> {};

TEST_P(ReportHtmlGolden, StructureMatchesGolden) {
    const Example& example = GetParam();
    testing::expect_matches_golden(testing::html_outline(html_text(example)), example.name + ".html.outline");
}

TEST_P(ReportHtmlGolden, IsSelfContained) {
    std::string html = html_text(GetParam());
    // Nothing may be fetched: no external scripts, styles, fonts or images.
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(html.find("src="), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(html.find("url(http"), std::string::npos);
    std::regex external(R"((href|src)\s*=\s*["']?(https?:)?//)");
    EXPECT_FALSE(std::regex_search(html, external));
    EXPECT_NE(html.find("default-src 'none'"), std::string::npos) << "the CSP forbids fetching";
}

TEST_P(ReportHtmlGolden, TagsAreBalanced) {
    std::string html = html_text(GetParam());
    for (const char* tag : {"svg", "section", "table", "tr", "g", "script", "div", "p"}) {
        EXPECT_EQ(count(html, std::string("<") + tag + ">") + count(html, std::string("<") + tag + " "),
                  count(html, std::string("</") + tag + ">"))
            << tag;
    }
}

INSTANTIATE_TEST_SUITE_P(Examples, ReportHtmlGolden, ::testing::ValuesIn(testing::all_examples()),
                         [](const auto& info) { return info.param.name; });

TEST(ReportHtml, ScriptHashIsSha256InBase64) {
    // FIPS 180-4's examples, and the CSP form of the empty script.
    EXPECT_EQ(csp_script_hash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
    EXPECT_EQ(csp_script_hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "'sha256-JI1qYdIGOLjlwCaTDD5gOaM85Flk/yFn9uzt1BnbBsE='");
    EXPECT_EQ(csp_script_hash(""), "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    EXPECT_EQ(csp_script_hash(std::string(1000, 'a')).size(), 53u);
}

TEST(ReportHtml, VerdictComesFirstInPlainWords) {
    std::string leak = html_text(testing::linear_leak_example());
    std::size_t verdict = leak.find("id=\"verdict\"");
    ASSERT_NE(verdict, std::string::npos);
    EXPECT_LT(verdict, leak.find("id=\"memory-chart\""));
    EXPECT_NE(leak.find("<span class=\"verdict-word\">Leak</span>"), std::string::npos);
    EXPECT_NE(leak.find("class=\"verdict leak\""), std::string::npos);
    std::string warmup = html_text(testing::warmup_example());
    EXPECT_NE(warmup.find("<span class=\"verdict-word\">No leak</span>"), std::string::npos);
    EXPECT_NE(warmup.find("class=\"warmup\""), std::string::npos) << "warm-up region shaded";
    EXPECT_NE(warmup.find("class=\"fit-line\""), std::string::npos);
    EXPECT_NE(warmup.find("class=\"fit-band\""), std::string::npos);
    EXPECT_NE(warmup.find("class=\"line events\""), std::string::npos) << "events on the second axis";
}

TEST(ReportHtml, TrackedRunsShowSitesAndFragmentationShowsTheDecomposition) {
    std::string leak = html_text(testing::linear_leak_example());
    EXPECT_NE(leak.find("id=\"sites-chart\""), std::string::npos);
    EXPECT_NE(leak.find("id=\"site-table\""), std::string::npos);
    EXPECT_NE(leak.find("id=\"flame-graph\""), std::string::npos);
    EXPECT_EQ(count(leak, "<tr class=\"stack-row\" hidden>"), 5u);
    std::string fragmentation = html_text(testing::fragmentation_example());
    EXPECT_NE(fragmentation.find("id=\"decomposition-chart\""), std::string::npos);
    EXPECT_NE(fragmentation.find("class=\"layer retained\""), std::string::npos);
    std::string untracked = html_text(testing::untracked_example());
    EXPECT_EQ(untracked.find("id=\"sites-chart\""), std::string::npos);
    EXPECT_EQ(untracked.find("id=\"decomposition-chart\""), std::string::npos);
    EXPECT_EQ(untracked.find("class=\"line pss\""), std::string::npos) << "no PSS was measured";
}

TEST(ReportHtml, TheAllocatorsFreeButKeptBytesAreTheirOwnLayerWhenKnown) {
    Example example = testing::fragmentation_example();
    std::string without = html_text(example);
    EXPECT_NE(without.find("allocator-retained and other"), std::string::npos);
    EXPECT_EQ(without.find("class=\"layer kept\""), std::string::npos);
    for (auto& s : example.recording.samples) {
        s.allocator_in_use = s.live_heap + 1'000'000;
        s.allocator_free = s.rss / 4;
        s.allocator_footprint = s.allocator_in_use + s.allocator_free;
    }
    example.recording.info.allocator = "glibc";
    example.analysis.process.decomposition->allocator_measured = true;  // as the analysis of such a recording has it
    std::string with = html_text(example);
    EXPECT_NE(with.find("class=\"layer kept\""), std::string::npos);
    EXPECT_NE(with.find("class=\"layer overhead\""), std::string::npos);
    EXPECT_NE(with.find("<title>the rest (code, stacks, other mappings)</title>"), std::string::npos);
    EXPECT_EQ(with.find("allocator-retained and other"), std::string::npos);
    EXPECT_NE(with.find("Allocator: glibc"), std::string::npos);
}

TEST(ReportHtml, TextFromTheRecordingIsEscaped) {
    Example example = testing::linear_leak_example();
    example.recording.info.command = {"./svc", "</script><script>alert(1)</script>"};
    example.analysis.sites[0].function = "f<int>&\"x\"";
    example.analysis.sites[0].frames[0] = "</script><b>";
    example.recording.warnings = {"<img src=x onerror=alert(1)>"};
    std::string html = html_text(example);
    EXPECT_EQ(html.find("<script>alert(1)"), std::string::npos);
    EXPECT_EQ(html.find("<img"), std::string::npos);
    EXPECT_NE(html.find("f&lt;int&gt;&amp;&quot;x&quot;"), std::string::npos);
    EXPECT_EQ(count(html, "</script>"), count(html, "<script"));
}

TEST(ReportHtml, DayLongRecordingStaysSmallAndFast) {
    Example day = testing::day_long_example();
    auto start = std::chrono::steady_clock::now();
    std::string html = html_text(day);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    RecordProperty("day_long_html_bytes", static_cast<int>(html.size()));
    RecordProperty("day_long_html_ms", static_cast<int>(seconds * 1000));
    std::printf("day-long report: %zu bytes in %.0f ms\n", html.size(), seconds * 1000);
    EXPECT_LT(html.size(), 3u * 1024 * 1024);
    EXPECT_LT(seconds, 2.0);
    // Each drawn series is downsampled: no path has more than ~2000 points.
    std::regex path(R"re(<path class="line [a-z]+"[^>]* d="([^"]*)")re");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), path); it != std::sregex_iterator(); ++it) {
        std::string d = (*it)[1];
        EXPECT_LE(static_cast<std::size_t>(std::count(d.begin(), d.end(), 'L')), 2000u);
    }
}

TEST(ReportHtml, InconsistentInputRendersWithoutCrashingOrNonFiniteCoordinates) {
    // What a truncated recording or a diagnosis edge case could hand the renderer.
    Example odd = testing::linear_leak_example();
    double nan = std::numeric_limits<double>::quiet_NaN();
    double inf = std::numeric_limits<double>::infinity();
    auto& v = odd.analysis.process.verdict;
    v.fit_intercept_bytes = nan;
    v.rate_ci_high_bytes_per_s = inf;
    v.time_to_limit_s = inf;
    v.confidence = nan;
    odd.analysis.process.live_heap->fit_intercept_bytes = nan;
    odd.analysis.sites[0].series_index = 999;                      // no such series
    odd.analysis.sites[1].live_bytes = -5;                         // freed more than counted
    odd.recording.sites.sites[2].live_bytes.resize(3);             // shorter than the grid
    odd.recording.samples[10].t_s = odd.recording.samples[9].t_s;  // repeated time
    std::string html = html_text(odd);
    EXPECT_NE(html.find("</html>"), std::string::npos);
    std::smatch bad;
    EXPECT_FALSE(std::regex_search(html, bad, std::regex(R"(\b(nan|inf|NaN|Infinity)\b)"))) << bad.str();
}

TEST(ReportHtml, EmptyRecordingStillRendersAPage) {
    Example empty{"empty"};
    std::string html = html_text(empty);
    EXPECT_NE(html.find("no memory samples"), std::string::npos);
    EXPECT_NE(html.find("Not enough data"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::report
