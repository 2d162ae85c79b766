// Sampling mode (--sample-bytes): only sampled allocations carry a stack, every allocation counts in the
// totals, and the per-site estimates are unbiased (weighted by the inverse inclusion probability).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>

#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

const std::string kPatterns = "tracker_alloc_patterns";
constexpr std::uint64_t kMean = 16 * 1024;

class TrackerSampling : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        RunOptions options;
        options.sample_bytes = kMean;
        run_ = new RunResult(run_program({target_path(kPatterns), "sampling"}, options));
    }
    static void TearDownTestSuite() { delete run_; }
    SiteTotals site(const std::string& f) { return sites_in_function(run_->sink, 0, target_path(kPatterns), f); }
    static RunResult* run_;
};
RunResult* TrackerSampling::run_ = nullptr;

TEST_F(TrackerSampling, ProgramUnchanged) {
    EXPECT_EQ(run_->exit_code, 0) << run_->err;
    EXPECT_EQ(run_->out, "sampling done, 0 failures\n");
    ASSERT_EQ(run_->sink.processes.size(), 1u);
    EXPECT_EQ(run_->sink.processes[0].info.sample_bytes, kMean);
}

TEST_F(TrackerSampling, SmallAllocationsEstimatedWithoutBias) {
    // 200000 x 64 B = 12.8 MB live. With a 16 KiB mean about 780 allocations are sampled, so the
    // estimate's relative standard deviation is about 1/sqrt(780) = 3.6%; allow 5 sigma.
    auto s = site("sampled_small_many");
    const double bytes = 200000.0 * 64, count = 200000.0;
    const double sigma = 1.0 / std::sqrt(bytes / kMean);
    EXPECT_NEAR(static_cast<double>(s.live_bytes), bytes, 5 * sigma * bytes);
    EXPECT_NEAR(static_cast<double>(s.live_count), count, 5 * sigma * count);
    EXPECT_LT(s.stacks, 3u);
}

TEST_F(TrackerSampling, LargeAllocationsAlmostAlwaysSampled) {
    // p = 1 - exp(-100000/16384) = 0.998: nearly every one is sampled, each weighted by ~1.002.
    auto s = site("sampled_large_few");
    EXPECT_NEAR(static_cast<double>(s.live_bytes), 100.0 * 100000, 0.03 * 100 * 100000);
    EXPECT_NEAR(static_cast<double>(s.live_count), 100.0, 3.0);
}

TEST_F(TrackerSampling, FreedAllocationsCancelExactly) {
    auto s = site("sampled_freed");
    EXPECT_GT(s.total_allocations, 0u);
    EXPECT_EQ(s.live_bytes, 0) << "a free subtracts exactly the weight its allocation added";
    EXPECT_EQ(s.live_count, 0);
    // Estimated total allocations of this site: 100000 (rel. sigma 1/sqrt(1e8/16384) = 1.3%).
    EXPECT_NEAR(static_cast<double>(s.total_allocations), 100000.0, 0.07 * 100000);
}

TEST_F(TrackerSampling, SampledBlocksOfEveryFormAreFoundAtTheirFree) {
    // calloc, realloc, new[] and aligned_alloc blocks, each free found by the presence filter and the
    // table: 20000 x ~5 KB at a 16 KiB mean is thousands of samples, all freed.
    auto s = site("sampled_freed_forms");
    EXPECT_GT(s.total_allocations, 1000u);
    EXPECT_EQ(s.live_bytes, 0) << "a sampled block's free went past the table";
    EXPECT_EQ(s.live_count, 0);
}

TEST_F(TrackerSampling, TotalsCountEveryAllocation) {
    const auto& p = run_->sink.processes[0];
    ASSERT_TRUE(p.totals);
    EXPECT_GE(p.totals->allocations, 200000u + 100u + 100000u);
    EXPECT_GE(p.totals->frees, 100000u);
    // Usable sizes: at least the requested bytes of the two leaking sites.
    EXPECT_GE(p.totals->live_heap_bytes, 200000 * 64 + 100 * 100000);
    EXPECT_LT(p.totals->live_heap_bytes, 200000 * 80 + 100 * 100016 + 1000000);
}

// With a mean far above everything the program allocates, no allocation is sampled: the hooks' fast
// paths count them all. The totals must still arrive, so the transport has to start without a sample.
TEST(TrackerSamplingNothingSampled, TotalsStillArrive) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    RunResult run = run_program({target_path(kPatterns), "sampling"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_EQ(run.sink.processes.size(), 1u);
    const auto& p = run.sink.processes[0];
    ASSERT_TRUE(p.totals) << "no totals: the transport never started";
    EXPECT_GE(p.totals->allocations, 200000u + 100u + 100000u);
    EXPECT_EQ(p.totals->live_allocations, static_cast<std::int64_t>(p.totals->allocations - p.totals->frees));
    EXPECT_GE(p.totals->live_heap_bytes, 200000 * 64 + 100 * 100000);
    EXPECT_EQ(sites_in_function(run.sink, 0, target_path(kPatterns), "sampled_small_many").stacks, 0u);
}

// After a fork without exec the child reports on a stream of its own in sampling mode too, although
// its first allocations would all take the fast path (which never starts a transport by itself).
TEST(TrackerSamplingNothingSampled, ForkedChildGetsItsOwnStream) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    RunResult run = run_program({target_path(kPatterns), "fork"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "fork done, 0 failures\n");
    ASSERT_EQ(run.sink.processes.size(), 2u);
    const auto& a = run.sink.processes[0];
    const auto& b = run.sink.processes[1];
    const auto& child = a.info.ppid == b.info.pid ? a : b;
    ASSERT_TRUE(child.totals) << "the child's transport never started";
    EXPECT_GE(child.totals->allocations, 3u) << "the child's own three allocations (what it inherited is the parent's)";
    EXPECT_TRUE(a.clean && b.clean);
}

// The totals stay exact whichever path each call takes: the fast paths (nothing sampled at a 1 TiB
// mean), or a mix with the general path (sampled blocks at 16 KiB), with mmapped blocks, realloc,
// operator new and free(nullptr) (which the fast path of free leaves to the general one through the
// presence filter's pinned bit). The program checks the differences itself (targets/sampled_totals.cpp).
void expect_exact_totals(const std::vector<std::pair<std::string, std::string>>& environment) {
    for (std::uint64_t mean : {std::uint64_t{1} << 40, kMean, std::uint64_t{64}}) {
        RunOptions options;
        options.sample_bytes = mean;
        options.extra_environment = environment;
        RunResult run = run_program({target_path("tracker_sampled_totals")}, options);
        EXPECT_EQ(run.exit_code, 0) << "mean " << mean << ": " << run.out << run.err;
        EXPECT_EQ(run.out, "sampling 1, 0 failures\n") << "mean " << mean;
    }
}

TEST(TrackerSamplingTotals, ExactOnEveryPath) { expect_exact_totals({}); }

// Another allocator preloaded after the tracker: its own fast paths (usable sizes asked of jemalloc).
TEST(TrackerSamplingTotals, ExactWithJemalloc) {
    constexpr char kJemalloc[] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    expect_exact_totals({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}});
}

}  // namespace
}  // namespace leakscope::tracker_test
