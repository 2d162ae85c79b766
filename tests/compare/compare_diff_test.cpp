// diff: sites matched by symbolized stack across builds, and the classification of changes.
#include <gtest/gtest.h>

#include "compare/recording_diff.hpp"
#include "report/human_units.hpp"

namespace leakscope::compare {
namespace {

ResolvedFrame frame(const std::string& function, const std::string& module, const std::string& file = "", int line = 0) {
    ResolvedFrame f;
    f.function = function;
    f.module = module;
    f.file = file;
    f.line = line;
    return f;
}

/// A recording of one stack malloc < EventLog::append < main, at addresses that start at `base`
/// (another build, or ASLR), with line numbers shifted by `line_shift` (an edited file).
Recording one_stack_recording(std::uint64_t base, int line_shift) {
    Recording recording;
    Stack stack;
    stack.id = StackId{7};
    stack.frames = {base, base + 0x40, base + 0x80};
    recording.stacks[stack.id] = stack;
    recording.symbols[{0, base}] = {frame("malloc", "/usr/lib/x86_64-linux-gnu/libc.so.6")};
    recording.symbols[{0, base + 0x40}] = {frame("EventLog::append(unsigned long)", "/app/svc", "/src/log.cpp", 52 + line_shift)};
    recording.symbols[{0, base + 0x80}] = {frame("main", "/app/svc", "/src/main.cpp", 90 + line_shift)};
    return recording;
}

TEST(CompareDiff, TwoBuildsOfTheSameProgramGiveTheSameKey) {
    const auto a = one_stack_recording(0x401000, 0);
    const auto b = one_stack_recording(0x55d0'0000'1000, 12);
    const auto key_a = site_match_key(a, a.stacks.begin()->second);
    EXPECT_EQ(key_a, site_match_key(b, b.stacks.begin()->second));
    EXPECT_EQ(key_a, "EventLog::append(unsigned long) < main");  // malloc (plumbing) is not part of it
}

TEST(CompareDiff, UnknownFramesAreNamedByModuleNotAddress) {
    Recording recording;
    Stack stack;
    stack.id = StackId{1};
    stack.frames = {0x401234};
    recording.stacks[stack.id] = stack;
    Module module;
    module.start = 0x400000;
    module.end = 0x500000;
    module.path = "/app/bin/svc";
    recording.modules.push_back(module);
    EXPECT_EQ(site_match_key(recording, stack), "??@svc");
    recording.modules.clear();  // outside every module: still no address in the key
    EXPECT_EQ(site_match_key(recording, stack), "??@");
}

SiteGrowth site(const std::string& name, double rate, double live, bool growing, double half_width = 1000) {
    SiteGrowth growth;
    growth.key = name + " < main";
    growth.function = name;
    growth.rate_bytes_per_s = rate;
    growth.rate_ci_low_bytes_per_s = rate - half_width;
    growth.rate_ci_high_bytes_per_s = rate + half_width;
    growth.live_bytes = live;
    growth.growing = growing;
    return growth;
}

TEST(CompareDiff, ClassifiesWhatAppearedDisappearedAndChanged) {
    const std::vector<SiteGrowth> before = {site("RagLogger::write_jsonl", 300000, 9e6, true),
                                            site("Cache::put", 50000, 1e6, true), site("Pool::grow", 20000, 4e6, true),
                                            site("Config::load", 0, 1e5, false)};
    const std::vector<SiteGrowth> after = {site("RagLogger::write_jsonl", 10, 2e5, false), site("Cache::put", 51000, 1e6, true),
                                           site("Pool::grow", 60000, 9e6, true), site("Config::load", 0, 1e5, false),
                                           site("Session::open", 30000, 1e6, true)};
    const auto changes = diff_sites(before, after, ComparisonOptions{});
    auto status_of = [&](const std::string& name) {
        for (const auto& change : changes) {
            if (change.function == name) return change.status;
        }
        ADD_FAILURE() << name << " missing";
        return SiteStatus::not_growing;
    };
    EXPECT_EQ(status_of("RagLogger::write_jsonl"), SiteStatus::disappeared);
    EXPECT_EQ(status_of("Cache::put"), SiteStatus::unchanged);  // 2% and within the intervals
    EXPECT_EQ(status_of("Pool::grow"), SiteStatus::faster);
    EXPECT_EQ(status_of("Config::load"), SiteStatus::not_growing);
    EXPECT_EQ(status_of("Session::open"), SiteStatus::appeared);
    EXPECT_EQ(changes.front().function, "RagLogger::write_jsonl");  // the largest growth change first
    EXPECT_EQ(changes.back().function, "Config::load");

    const auto summary = diff_summary(changes);
    EXPECT_NE(summary.find("RagLogger::write_jsonl: " + report::format_rate(300000, "s") + " -> 0"), std::string::npos)
        << summary;
    EXPECT_NE(summary.find("Session::open grows: 0 -> " + report::format_rate(30000, "s")), std::string::npos) << summary;
    EXPECT_EQ(summary.find("nothing new grows"), std::string::npos) << summary;
}

TEST(CompareDiff, SaysNothingNewGrowsWhenOnlyALeakWasFixed) {
    const auto changes = diff_sites({site("RagLogger::write_jsonl", 300000, 9e6, true)},
                                    {site("RagLogger::write_jsonl", 0, 1e5, false)}, ComparisonOptions{});
    EXPECT_EQ(diff_summary(changes), "RagLogger::write_jsonl: " + report::format_rate(300000, "s") + " -> 0; nothing new grows");
    EXPECT_EQ(diff_summary({}), "no call site's growth changed significantly; nothing new grows");
}

TEST(CompareDiff, ASiteGrowsWhenALeakOrClearlyGrowing) {
    diagnosis::Diagnosis d;
    d.pattern = diagnosis::Pattern::linear_growth;
    d.steady_rate_bytes_per_s = 100000;
    d.rate_ci_low_bytes_per_s = 99000;
    d.rate_ci_high_bytes_per_s = 101000;
    EXPECT_TRUE(site_grows(d));  // not called a leak (false-discovery control), but plainly growing
    d.rate_ci_low_bytes_per_s = -500;
    EXPECT_FALSE(site_grows(d));  // the interval reaches zero
    d.rate_ci_low_bytes_per_s = 10;
    d.steady_rate_bytes_per_s = 40;
    EXPECT_FALSE(site_grows(d));  // below the practical floor
    d.pattern = diagnosis::Pattern::bounded_sawtooth;
    d.steady_rate_bytes_per_s = 100000;
    EXPECT_FALSE(site_grows(d));
    d.leak = true;
    EXPECT_TRUE(site_grows(d));
}

TEST(CompareDiff, ProcessLevelWorseDecidesTheGate) {
    analysis::Analysis slow, fast;
    for (auto* analysis : {&slow, &fast}) {
        analysis->process.rss.pattern = diagnosis::Pattern::linear_growth;
        analysis->process.rss.leak = true;
    }
    slow.process.rss.steady_rate_bytes_per_s = 100000;
    slow.process.rss.rate_ci_low_bytes_per_s = 95000;
    slow.process.rss.rate_ci_high_bytes_per_s = 105000;
    fast.process.rss.steady_rate_bytes_per_s = 300000;
    fast.process.rss.rate_ci_low_bytes_per_s = 290000;
    fast.process.rss.rate_ci_high_bytes_per_s = 310000;
    const Recording empty;
    const auto worse = diff_recordings(empty, slow, empty, fast, ComparisonOptions{});
    EXPECT_EQ(worse.metric, "rss");  // no live heap on either side
    EXPECT_TRUE(worse.significantly_worse());
    EXPECT_EQ(worse.process.test->test, kIntervalTestName);
    const auto better = diff_recordings(empty, fast, empty, slow, ComparisonOptions{});
    EXPECT_FALSE(better.significantly_worse());
    EXPECT_EQ(better.process.direction, Direction::better);
    const auto json = diff_json(worse);
    EXPECT_EQ(json["significantly_worse"], true);
    EXPECT_NEAR(json["change_vs_baseline"].get<double>(), 2.0, 1e-9);
}

}  // namespace
}  // namespace leakscope::compare
