// Sampling mode (--sample-bytes): only sampled allocations carry a stack, the per-site estimates are
// unbiased (weighted by the inverse inclusion probability), and the live heap total is the allocator's
// own in-use figure (glibc's and jemalloc's: the hooks count nothing per call; these tests run with one
// of the two) or, with another allocator, counted on every call.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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
        run_ = new RunResult(run_program({target_path(kPatterns), "sampling", "boundary"}, options));
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

TEST_F(TrackerSampling, LargeSampledBlocksAreFoundAtTheirFree) {
    // The program checked the contents and alignments itself (ProgramUnchanged); here, every one of the
    // 120 blocks of 0.5 and 1 MB was sampled and its free seen (by default sampled blocks stay where
    // glibc puts them and every free asks the filter: tracker.cpp).
    auto s = site("sampled_blocks_on_boundary");
    EXPECT_NEAR(static_cast<double>(s.total_allocations), 120.0, 1.0);
    EXPECT_EQ(s.live_bytes, 0) << "a sampled block's free went past the table";
    EXPECT_EQ(s.live_count, 0);
}

TEST_F(TrackerSampling, TotalsHoldTheLiveHeapAndEstimateTheCounts) {
    const auto& p = run_->sink.processes[0];
    ASSERT_TRUE(p.totals);
    // The samples' estimates of the 300,100 allocations and 100,000 frees of the patterns (more calls are
    // made around them): the small site's 780 samples put 5 sigma at about 12%.
    EXPECT_GE(static_cast<double>(p.totals->allocations), 0.85 * (200000 + 100 + 100000));
    EXPECT_GE(static_cast<double>(p.totals->frees), 0.85 * 100000);
    EXPECT_EQ(p.totals->live_allocations, static_cast<std::int64_t>(p.totals->allocations - p.totals->frees));
    // In the allocator's bytes: at least the requested bytes of the two leaking sites, at most their chunks
    // (80 and 100,016 bytes) and 1 MB of the rest (start-up, the allocator's per-thread caches).
    EXPECT_GE(p.totals->live_heap_bytes, 200000 * 64 + 100 * 100000);
    EXPECT_LT(p.totals->live_heap_bytes, 200000 * 80 + 100 * 100016 + 1000000);
}

// Threads that each allocate less than the mean: most are never sampled, and their hooks' fast paths
// open without a counter slot (sampling mode with the allocator's figure writes none); the rest are sampled
// midway and claim one then. Their site is estimated without bias all the same: 400 threads x 40 x 256 B
// = 4.1 MB live at a 16 KiB mean is ~250 samples, a relative standard deviation of 6.3%; allow 5 sigma.
TEST(TrackerSamplingPerturbed, SampledCallocIsZeroedUnderMallocPerturb) {
    // glibc's MALLOC_PERTURB_ fills every fresh block, a mapped one too; the program checks every byte of its
    // callocs (at this mean 1 in 17 of the 1 KB ones sampled, 1 in 3 of the 6 KB ones, all the large ones).
    RunOptions options;
    options.sample_bytes = kMean;
    options.extra_environment = {{"MALLOC_PERTURB_", "165"}};
    RunResult run = run_program({target_path(kPatterns), "calloc-perturbed"}, options);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "calloc-perturbed done, 0 failures\n");
    ASSERT_EQ(run.sink.processes.size(), 1u);
    EXPECT_GT(sites_in_function(run.sink, 0, target_path(kPatterns), "sampled_calloc_perturbed").total_allocations, 40u)
        << "the callocs were sampled";
}

TEST(TrackerSamplingThreads, ThreadsBelowTheMeanEstimatedWithoutBias) {
    RunOptions options;
    options.sample_bytes = kMean;
    RunResult run = run_program({target_path(kPatterns), "sampling-threads"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "sampling-threads done, 0 failures\n");
    ASSERT_EQ(run.sink.processes.size(), 1u);
    auto s = sites_in_function(run.sink, 0, target_path(kPatterns), "short_thread_keeps_blocks");
    const double bytes = 400.0 * 40 * 256, count = 400.0 * 40;
    const double sigma = 1.0 / std::sqrt(bytes / kMean);
    EXPECT_NEAR(static_cast<double>(s.live_bytes), bytes, 5 * sigma * bytes);
    EXPECT_NEAR(static_cast<double>(s.live_count), count, 5 * sigma * count);
}

// With a mean far above everything the program allocates, no allocation is sampled: every call takes the
// hooks' fast paths, which count nothing (the allocation counts are the samples' estimates: none). The
// totals must still arrive, with the whole live heap, so the transport has to start without a sample.
TEST(TrackerSamplingNothingSampled, TotalsStillArrive) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    RunResult run = run_program({target_path(kPatterns), "sampling"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_EQ(run.sink.processes.size(), 1u);
    const auto& p = run.sink.processes[0];
    ASSERT_TRUE(p.totals) << "no totals: the transport never started";
    EXPECT_EQ(p.totals->allocations, 0u) << "counted per call: the live heap is not the allocator's figure";
    EXPECT_GE(p.totals->live_heap_bytes, 200000 * 64 + 100 * 100000);
    EXPECT_LT(p.totals->live_heap_bytes, 200000 * 80 + 100 * 100016 + 1000000);
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
    EXPECT_TRUE(a.clean && b.clean);
}

// A forked child defers its transport thread (transport.hpp, reset_in_child): not started by its first
// unsampled allocations, started by its 4096th, or by its first one an interval after the fork. The
// child checks its own thread count (the target prints the failures); an interval long enough that a
// loaded machine does not end the deferral before the first check.
TEST(TrackerSamplingNothingSampled, ForkedChildStartsItsTransportLateButDoesStart) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    options.interval_ms = 600;
    RunResult run = run_program({target_path(kPatterns), "fork-deferred"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "fork-deferred done, 0 failures\n") << run.err;
    ASSERT_EQ(run.sink.processes.size(), 3u) << "the parent and both children, each on a stream of its own";
    for (const auto& p : run.sink.processes) {
        EXPECT_TRUE(p.totals) << "process " << p.info.pid;
        EXPECT_TRUE(p.clean) << "process " << p.info.pid;
    }
    EXPECT_TRUE(run.sink.errors.empty());
}

// A forked child that execs before its transport starts (what a shell does to run a command) never
// connects: nothing it did survives the exec. The exec'd program reports as a process of its own.
TEST(TrackerSamplingNothingSampled, ForkedChildThatExecsAtOnceLeavesTheStreamToTheExecdProgram) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    RunResult run = run_program({target_path(kPatterns), "fork-exec"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_EQ(run.sink.processes.size(), 2u) << "the parent and the exec'd image: the forked child never connected";
    const auto& a = run.sink.processes[0];
    const auto& b = run.sink.processes[1];
    const auto& parent = a.info.ppid == getpid() ? a : b;
    const auto& execd = a.info.ppid == getpid() ? b : a;
    ASSERT_EQ(parent.info.ppid, getpid());
    EXPECT_EQ(execd.info.ppid, parent.info.pid) << "the exec'd image is the forked child's pid, the parent's child";
    EXPECT_FALSE(execd.info.exec_of) << "no stream of the forked child to replace";
    EXPECT_TRUE(execd.totals) << "the exec'd program's transport started";
    EXPECT_TRUE(parent.clean && execd.clean);
    EXPECT_TRUE(run.sink.errors.empty());
    EXPECT_TRUE(run.warnings.empty()) << run.warnings.front();
}

// fork, fork, exec: the grandchild's exec'd program is tracked, and the child between them (which never
// started its transport before forking) reports at its exit, all in sampling mode with nothing sampled.
TEST(TrackerSamplingNothingSampled, ForkForkExecTracksTheGrandchildsProgram) {
    RunOptions options;
    options.sample_bytes = std::uint64_t{1} << 40;
    RunResult run = run_program({target_path(kPatterns), "fork-fork-exec"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "exec-child done, 0 failures\nfork-fork-exec done, 0 failures\n");
    ASSERT_EQ(run.sink.processes.size(), 3u) << "parent, child (at its exit), the grandchild's exec'd program";
    const ProcessState* parent = nullptr;
    for (const auto& p : run.sink.processes)
        if (p.info.ppid == getpid()) parent = &p;
    ASSERT_TRUE(parent);
    const ProcessState* child = nullptr;
    for (const auto& p : run.sink.processes)
        if (p.info.ppid == parent->info.pid) child = &p;
    ASSERT_TRUE(child);
    const ProcessState* grandchild = nullptr;
    for (const auto& p : run.sink.processes)
        if (p.info.ppid == child->info.pid) grandchild = &p;
    ASSERT_TRUE(grandchild) << "the exec'd program of the grandchild";
    for (const auto* p : {parent, child, grandchild}) {
        EXPECT_TRUE(p->totals) << "process " << p->info.pid;
        EXPECT_TRUE(p->clean) << "process " << p->info.pid;
    }
    EXPECT_TRUE(run.sink.errors.empty());
}

// The live heap total follows the program while it runs, in the allocator's bytes (a 1000-byte block is
// a 1008-byte glibc chunk, jemalloc's 1024-byte size class): 20,000 blocks held until the test has seen
// 10 readings of them all, then freed. Every allocator reading comes with the totals of its round
// (tracker_harness.hpp), which makes the series.
constexpr char kJemalloc[] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
constexpr std::int64_t kStartupSlack = 1000000;  // the program's start-up heap and the allocator's caches
constexpr std::size_t kHeldReadings = 10;

std::int64_t peak_heap(const ProcessState& p) {
    std::int64_t peak = 0;
    for (const auto& t : p.totals_at_allocator_stats) peak = std::max(peak, t.live_heap_bytes);
    return peak;
}

void expect_heap_follows_the_program(const std::vector<std::pair<std::string, std::string>>& environment, std::int64_t block) {
    RunOptions options;
    options.sample_bytes = 512 * 1024;
    options.extra_environment = environment;
    const auto held_readings = [block](const RecordingSink& sink) {
        std::size_t n = 0;
        if (!sink.processes.empty())
            for (const auto& t : sink.processes[0].totals_at_allocator_stats) n += t.live_heap_bytes >= 20000 * block;
        return n;
    };
    options.signals = {{[held_readings](const RecordingSink& sink, const std::string&) { return held_readings(sink) >= kHeldReadings; },
                        SIGUSR1}};
    options.timeout_s = 90;
    RunResult run = run_program({target_path("tracker_sampled_heap"), "hold"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_EQ(run.sink.processes.size(), 1u);
    const auto& p = run.sink.processes[0];
    ASSERT_TRUE(p.totals);
    EXPECT_GE(held_readings(run.sink), kHeldReadings);
    EXPECT_LT(peak_heap(p), 20000 * block + kStartupSlack);
    EXPECT_LT(p.totals->live_heap_bytes, kStartupSlack) << "freed: the allocator's figure falls with them";
    // Read each 20 ms round, not once a second as the figures alone are: the typical gap between readings
    // (a slow read spaces the next one, allocator_stats.hpp, so the median rather than the largest).
    std::vector<double> gaps;
    for (std::size_t i = 1; i < p.allocator_stats.size(); ++i)
        gaps.push_back(p.allocator_stats[i].t_s - p.allocator_stats[i - 1].t_s);
    ASSERT_GE(gaps.size(), kHeldReadings);
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    EXPECT_LT(gaps[gaps.size() / 2], 0.25) << "the live heap is not read every round";
}

TEST(TrackerSamplingHeap, FollowsTheProgramWithGlibc) { expect_heap_follows_the_program({}, 1008); }

TEST(TrackerSamplingHeap, FollowsTheProgramWithJemalloc) {
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    expect_heap_follows_the_program({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}}, 1024);
}

// A forked child's total is what it allocated itself (5,000 blocks), not the 20,000 it inherited: its
// baseline is the allocator's figure at the fork, read in the child's fork handler (after jemalloc's own).
void expect_child_heap_is_its_own(const std::vector<std::pair<std::string, std::string>>& environment, std::int64_t block,
                                  std::uint64_t mean = 512 * 1024) {
    RunOptions options;
    options.sample_bytes = mean;
    options.extra_environment = environment;
    RunResult run = run_program({target_path("tracker_sampled_heap"), "fork"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "fork done, child 0\n");
    ASSERT_EQ(run.sink.processes.size(), 2u);
    const auto& a = run.sink.processes[0];
    const auto& b = run.sink.processes[1];
    const auto& child = a.info.ppid == b.info.pid ? a : b;
    const auto& parent = a.info.ppid == b.info.pid ? b : a;
    ASSERT_TRUE(child.totals && parent.totals);
    EXPECT_GE(child.totals->live_heap_bytes, 5000 * block);
    EXPECT_LT(child.totals->live_heap_bytes, 5000 * block + kStartupSlack / 2) << "the inherited heap counted in the child";
    EXPECT_LT(peak_heap(child), 5000 * block + kStartupSlack / 2);
    EXPECT_GE(parent.totals->live_heap_bytes, 20000 * block);
    EXPECT_TRUE(child.clean && parent.clean);
}

// Sampled blocks larger than the kept classes stay where glibc's malloc puts them: placed with memalign,
// each batch's freed blocks were too small for the next batch's (they lacked the alignment's slack) and
// the heap grew by a batch at each one (RSS 35 to 138 MB in 12 s for 30 MiB batches). Their frees are
// still seen (by the chunk's size and the filter): none of the batch's sampled blocks stays live.
class TrackerSamplingPlacement : public ::testing::TestWithParam<bool> {};

TEST_P(TrackerSamplingPlacement, LargeSampledBlocksLeaveGlibcsReuseAsItIs) {
    RunOptions options;
    options.sample_bytes = 512 * 1024;
    // By default, and with small sampled blocks on the boundary (LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY=1).
    if (GetParam()) options.extra_environment = {{"LEAKSCOPE_TRACKER_SAMPLED_ON_BOUNDARY", "1"}};
    RunResult run = run_program({target_path("tracker_sampled_heap"), "batches"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "batches done\n");
    ASSERT_EQ(run.sink.processes.size(), 1u);
    const auto& p = run.sink.processes[0];
    ASSERT_FALSE(p.allocator_stats.empty());
    const double batch_bytes = 30.0 * (1 << 20);
    double most_footprint = 0;
    for (const auto& stats : p.allocator_stats) most_footprint = std::max(most_footprint, static_cast<double>(stats.footprint_bytes));
    EXPECT_LT(most_footprint, 20000 * 1008.0 + 2.5 * batch_bytes) << "the heap grew from one batch to the next";
    const auto batch = sites_in_function(run.sink, 0, target_path("tracker_sampled_heap"), "allocate_batch");
    EXPECT_GT(batch.total_allocations, 0u) << "no block of the batches was sampled";
    EXPECT_EQ(batch.live_bytes, 0) << "a sampled block's free went unseen";
}

INSTANTIATE_TEST_SUITE_P(DefaultAndOnBoundary, TrackerSamplingPlacement, ::testing::Values(false, true));

TEST(TrackerSamplingHeap, ForkedChildCountsItsOwnWithGlibc) { expect_child_heap_is_its_own({}, 1008); }

// The parent's 20,000 blocks at a 16 KiB mean leave ~1,200 sampled ones in its table: more filter slots than
// a child keeps counting (LiveTable::forget_parent_entries_in_child), so its filter starts over instead.
TEST(TrackerSamplingHeap, ForkedChildCountsItsOwnWhenItsParentHeldManySamples) {
    expect_child_heap_is_its_own({}, 1008, 16 * 1024);
}

TEST(TrackerSamplingHeap, ForkedChildCountsItsOwnWithJemalloc) {
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    expect_child_heap_is_its_own({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}}, 1024);
}

// The totals are right whichever path each call takes: the fast paths (nothing sampled at a 1 TiB mean),
// or a mix with the general path (sampled blocks at 16 KiB; nearly all at 64 B, where the counts'
// estimates are checked to 5%), with mmapped blocks, realloc, operator new and free(nullptr) (which the
// fast path of free leaves to the general one through the presence filter's pinned bit). The program
// checks the differences itself (targets/sampled_totals.cpp): the live heap against the chunks it holds,
// within `cache_bound`, what the allocator's per-thread caches may hold of freed blocks.
void expect_right_totals(const std::vector<std::pair<std::string, std::string>>& environment, std::uint64_t cache_bound) {
    for (std::uint64_t mean : {std::uint64_t{1} << 40, kMean, std::uint64_t{64}}) {
        RunOptions options;
        options.sample_bytes = mean;
        options.extra_environment = environment;
        RunResult run = run_program({target_path("tracker_sampled_totals"), std::to_string(cache_bound), mean == 64 ? "0.05" : "-1"},
                                    options);
        EXPECT_EQ(run.exit_code, 0) << "mean " << mean << ": " << run.out << run.err;
        EXPECT_EQ(run.out, "sampling 1, heap from allocator 1, 0 failures\n") << "mean " << mean;
    }
}

// glibc's tcache keeps up to 7 freed chunks of each of its 64 sizes (32 to 1,040 bytes) per thread, which
// mallinfo2 counts as in use: 7 x (32 + 48 + ... + 1040) = 240,128 bytes at most, before or after.
TEST(TrackerSamplingTotals, RightOnEveryPath) { expect_right_totals({}, 7 * (64 * 32 + 16 * (63 * 64 / 2))); }

// Without the tcache, the allocator's figure is exact but for the tracker thread's own buffers.
TEST(TrackerSamplingTotals, ExactWithoutTheAllocatorsCache) {
    expect_right_totals({{"GLIBC_TUNABLES", "glibc.malloc.tcache_count=0"}}, 0);
}

// jemalloc preloaded after the tracker: its stats.allocated, with its thread caches off (they hold freed
// blocks that it counts as allocated, up to hundreds per size class).
TEST(TrackerSamplingTotals, ExactWithJemalloc) {
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    expect_right_totals({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}, {"MALLOC_CONF", "tcache:false"}}, 0);
}

}  // namespace
}  // namespace leakscope::tracker_test
