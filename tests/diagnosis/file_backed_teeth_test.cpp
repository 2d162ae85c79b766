// Teeth of RSS that are file-backed pages alone (a shell's short-lived commands, page cache) are no
// memory the program released: RSS alone is judged by its anonymous memory then. Teeth the anonymous
// memory has too, and file-backed pages that grow, keep RSS's own verdict.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

constexpr std::size_t kSamples = 160;
constexpr double kEvery = 0.1;

/// A shell script's tree, RSS alone: `anon` for its anonymous memory; its file-backed pages hold 4.6 MB
/// of its own code and, for 1.5 s of every 2.2 s, a child's 1.2 MB (plus `file_growth` bytes/s).
ProcessSeries shell_tree(const std::function<double(double)>& anon, double file_growth = 0) {
    ProcessSeries series;
    series.anon_rss = make_series(kSamples, kEvery, anon, 2e3, 61);
    series.file_rss = make_series(kSamples, kEvery, [=](double t) {
        return 4.6 * kMB + (std::fmod(t, 2.2) < 1.5 ? 1.2 * kMB : 0.0) + file_growth * t;
    }, 0, 62);
    series.rss = *series.anon_rss;
    for (std::size_t i = 0; i < kSamples; ++i) series.rss.value[i] += series.file_rss->value[i];
    return series;
}

bool has_teeth(const Series& rss) { return diagnose(rss).period_s.has_value(); }

TEST(FileBackedTeeth, AShellsChildrenComingAndGoingLeaveItsAnonymousLeakDecided) {
    // bash keeping every id in an array (245 kB/s) and starting a command every 50 ms
    // (examples/patterns/shell/seen_ids_with_commands_leak.sh under --no-track).
    const ProcessSeries series = shell_tree([](double t) { return 0.5 * kMB + 245e3 * t; });
    ASSERT_TRUE(has_teeth(series.rss)) << "the premise: " << diagnose(series.rss).summary;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_TRUE(d.verdict.leak) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.decided) << d.verdict.summary;
    EXPECT_EQ(d.verdict.pattern, Pattern::linear_growth) << d.verdict.summary;
    EXPECT_NEAR(d.verdict.steady_rate_bytes_per_s, 245e3, 10e3) << d.verdict.summary;
    EXPECT_NE(d.verdict.summary.find("file-backed pages coming and going"), std::string::npos) << d.verdict.summary;
    EXPECT_TRUE(d.verdict.time_to_limit_s.has_value() || !d.verdict.limit_bytes) << d.verdict.summary;
}

TEST(FileBackedTeeth, OnAFlatProgramAreNoLeakEither) {
    const ProcessDiagnosis d = diagnose_process(shell_tree([](double) { return 3 * kMB; }));
    EXPECT_FALSE(d.verdict.leak) << d.verdict.summary;
}

TEST(FileBackedTeeth, TeethTheAnonymousMemoryHasTooKeepRssVerdict) {
    // A history truncated every 2.2 s: the teeth are the program's own memory.
    const ProcessSeries series = shell_tree([](double t) { return 3 * kMB + 2 * kMB * std::fmod(t, 2.2) / 2.2; });
    ASSERT_TRUE(has_teeth(*series.anon_rss)) << "the premise: " << diagnose(*series.anon_rss).summary;
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_EQ(d.verdict.summary.find("file-backed pages coming and going"), std::string::npos) << d.verdict.summary;
    EXPECT_EQ(d.verdict.summary, diagnose(series.rss).summary);
}

TEST(FileBackedTeeth, FileBackedPagesThatGrowKeepRssVerdict) {
    // A file mapping written 150 kB/s under the same children: RSS's growth is file-backed, RSS judges it.
    const ProcessSeries series = shell_tree([](double) { return 3 * kMB; }, 150e3);
    const ProcessDiagnosis d = diagnose_process(series);
    EXPECT_EQ(d.verdict.summary.find("file-backed pages coming and going"), std::string::npos) << d.verdict.summary;
}

}  // namespace
}  // namespace leakscope::diagnosis
