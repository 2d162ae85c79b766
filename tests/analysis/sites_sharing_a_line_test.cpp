// Sites that allocate at one line through different call paths are judged together when only their
// sum shows the leak: a table doubling its capacity, handed to one path or the other at each doubling,
// as a C connection-tracking table's was (1, 2, 4 then 8 MB over 18 s, the paths taking turns).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/sites_sharing_a_line.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

/// 180 grid points every 0.1 s; the table moves to the other path at each doubling.
Recording doubling_table_run(const std::string& tracker_mode = "full") {
    Recording r = testing::tracked_recording("100:conntrack", tracker_mode);
    SiteSeries::Site insert_path, tick_path;
    insert_path.stack = StackId{1}, tick_path.stack = StackId{2};
    for (int i = 0; i < 180; ++i) {
        const double t = 0.1 * i + 0.1;
        r.sites.t_s.push_back(t);
        const bool on_insert = (t >= 1.0 && t < 3.0) || (t >= 7.0 && t < 15.0);
        const double table = t < 1.0 ? 0.5 * kMiB : t < 3.0 ? 1 * kMiB : t < 7.0 ? 2 * kMiB : t < 15.0 ? 4 * kMiB : 8 * kMiB;
        insert_path.live_bytes.push_back(on_insert ? static_cast<std::int64_t>(table) : 0);
        tick_path.live_bytes.push_back(on_insert ? 0 : static_cast<std::int64_t>(table));
    }
    insert_path.total_allocations = 2, tick_path.total_allocations = 3;
    r.sites.sites = {insert_path, tick_path};
    testing::end_run(r, "exited", 18.1);
    return r;
}

/// The heap's verdict: a leak at 0.47 MB/s whose interval starts at `ci_low`.
diagnosis::ProcessDiagnosis heap_leak(bool leak = true, double ci_low = 0.4e6) {
    diagnosis::ProcessDiagnosis p;
    p.metric = "live_heap";
    p.verdict.leak = leak;
    p.verdict.decided = true;
    p.verdict.steady_rate_bytes_per_s = 0.47e6;
    p.verdict.rate_ci_low_bytes_per_s = ci_low;
    return p;
}

std::vector<SiteReport> two_paths(const Recording& r, int second_line = 71) {
    std::vector<SiteReport> sites(2);
    for (std::size_t i = 0; i < 2; ++i) {
        sites[i].stack = r.sites.sites[i].stack;
        sites[i].series_index = i;
        sites[i].function = "grow_table";
        sites[i].file = "conntrack.c";
        sites[i].line = i == 0 ? 71 : second_line;
        sites[i].live_bytes = static_cast<double>(r.sites.sites[i].live_bytes.back());
        sites[i].total_allocations = r.sites.sites[i].total_allocations;
    }
    return sites;
}

TEST(SitesSharingALine, TwoPathsThatTakeTurnsHoldingADoublingTableAreOneLeakingRow) {
    const Recording r = doubling_table_run();
    std::vector<SiteReport> sites = two_paths(r);
    judge_sites_sharing_a_line_together(r, 18.0, {}, heap_leak(), sites);
    ASSERT_EQ(sites.size(), 1u);
    EXPECT_TRUE(sites[0].diagnosis.leak) << sites[0].diagnosis.summary;
    EXPECT_EQ(sites[0].call_paths, 2u);
    EXPECT_EQ(sites[0].stack, StackId{2}) << "named by the path holding the most at the end";
    EXPECT_EQ(sites[0].folded_stacks, std::vector<StackId>{StackId{1}});
    EXPECT_EQ(sites[0].live_bytes, 8 * kMiB);
    EXPECT_EQ(sites[0].total_allocations, 5u);
    EXPECT_LT(sites[0].q_value, 0.05);
}

TEST(SitesSharingALine, OtherwiseTheRowsStayAsTheyAre) {
    const Recording r = doubling_table_run();
    const auto rows_after = [&](const Recording& run, diagnosis::ProcessDiagnosis p, std::vector<SiteReport> sites) {
        judge_sites_sharing_a_line_together(run, 18.0, {}, p, sites);
        return sites.size();
    };
    EXPECT_EQ(rows_after(r, heap_leak(false), two_paths(r)), 2u) << "the process does not leak";
    EXPECT_EQ(rows_after(r, heap_leak(true, 2e3), two_paths(r)), 2u) << "the heap's trend is weak: heap_growth_without_sites' call";
    EXPECT_EQ(rows_after(r, heap_leak(), two_paths(r, 90)), 2u) << "two different lines";
    EXPECT_EQ(rows_after(doubling_table_run("sampled"), heap_leak(), two_paths(r)), 2u) << "sampled: estimates, not sums";
    std::vector<SiteReport> one_leaks = two_paths(r);
    one_leaks[1].diagnosis.leak = true;
    EXPECT_EQ(rows_after(r, heap_leak(), one_leaks), 2u) << "a site already carries the leak";
}

}  // namespace
}  // namespace leakscope::analysis
