// TreeSampler on the fake proc root: sums, sources, and processes that vanish between reads.
// Expected totals follow tests/data/proc/make_fake_tree.sh (sizes there are in kB).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "sampler/tree_sampler.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

using testing::data_dir;
using testing::ScratchCopy;
constexpr std::uint64_t KiB = 1024;

TreeSampler fake_sampler(int root, const std::filesystem::path& proc_root = data_dir() / "fake_tree",
                         TreeSamplerOptions options = {}) {
    return TreeSampler(root, ProcFs(proc_root.string()), options);
}

const ProcessSample* find(const std::vector<ProcessSample>& processes, int pid) {
    const auto it = std::find_if(processes.begin(), processes.end(), [pid](const auto& p) { return p.pid == pid; });
    return it == processes.end() ? nullptr : &*it;
}

TEST(SamplerTreeSampler, SumsTheWholeTree) {
    auto sampler = fake_sampler(100);
    const SamplePoint point = sampler.sample();
    // 100 server + 101 worker + 104 helper + 102 zombie + 103 forked; not 1 nor 200.
    EXPECT_EQ(point.processes, 5u);
    EXPECT_EQ(point.threads, 2u + 1 + 3 + 1 + 1);
    // VmRSS of 100, 101, 104 and 103; the zombie counts zero.
    EXPECT_EQ(point.rss, (1000 + 2000 + 3000 + 500) * KiB);
    EXPECT_EQ(point.rss_min, point.rss);
    EXPECT_EQ(point.rss_max, point.rss);
    EXPECT_EQ(point.anon, (400 + 1200 + 2500 + 300) * KiB);
    EXPECT_EQ(point.file, (600 + 800 + 500 + 200) * KiB);
    EXPECT_EQ(point.swap, (10 + 0 + 20 + 5) * KiB);
    EXPECT_FALSE(known(point.pss)) << "103 has no smaps_rollup, so the tree's PSS is not known";
    // Left to the caller and the tracker.
    EXPECT_EQ(point.t_s, 0.0);
    EXPECT_EQ(point.merged, 1u);
    EXPECT_FALSE(known(point.live_heap));
    EXPECT_FALSE(known(point.allocations));
    EXPECT_EQ(point.events, 0u);
    EXPECT_TRUE(sampler.root_alive());
}

TEST(SamplerTreeSampler, PerProcessDetailRootFirst) {
    auto sampler = fake_sampler(100);
    sampler.sample();
    const auto& processes = sampler.last_processes();
    ASSERT_EQ(processes.size(), 5u);
    EXPECT_EQ(processes.front().pid, 100);
    EXPECT_EQ(processes.front().comm, "server");
    EXPECT_EQ(processes.front().rss, 1000 * KiB);
    EXPECT_EQ(processes.front().pss, 600 * KiB);
    const auto* zombie = find(processes, 102);
    ASSERT_NE(zombie, nullptr);
    EXPECT_EQ(zombie->state, 'Z');
    EXPECT_FALSE(zombie->has_memory);
    EXPECT_EQ(zombie->rss, 0u);
    const auto* forked = find(processes, 103);
    ASSERT_NE(forked, nullptr);
    EXPECT_EQ(forked->ppid, 100);
    EXPECT_FALSE(known(forked->pss));
    EXPECT_EQ(forked->rss, 500 * KiB);
}

TEST(SamplerTreeSampler, PssKnownWhenEveryProcessHasSmapsRollup) {
    auto sampler = fake_sampler(101);
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 2u);
    EXPECT_EQ(point.pss, (1500 + 3000) * KiB);
}

TEST(SamplerTreeSampler, ExpensiveSmapsRollupIsReadLessOften) {
    // A 1 ns budget: any real read overshoots it, so the next 1000 samples skip smaps_rollup.
    auto throttled = fake_sampler(101, data_dir() / "fake_tree",
                                  TreeSamplerOptions{.smaps_rollup_budget = std::chrono::nanoseconds(1)});
    EXPECT_EQ(throttled.sample().pss, (1500 + 3000) * KiB);
    const SamplePoint skipped = throttled.sample();
    EXPECT_FALSE(known(skipped.pss));
    EXPECT_EQ(skipped.rss, (2000 + 3000) * KiB) << "the other gauges are read on every sample";
    // A budget of 0 turns the throttle off.
    auto unthrottled = fake_sampler(101, data_dir() / "fake_tree", TreeSamplerOptions{.smaps_rollup_budget = {}});
    for (int i = 0; i < 3; ++i) EXPECT_EQ(unthrottled.sample().pss, (1500 + 3000) * KiB);
}

TEST(SamplerTreeSampler, WithoutSmapsRollupUsesStatusCounters) {
    auto sampler = fake_sampler(100, data_dir() / "fake_tree", TreeSamplerOptions{.read_smaps_rollup = false});
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.rss, (1000 + 2000 + 3000 + 500) * KiB);
    EXPECT_EQ(point.file, (600 + 800 + 500 + 200) * KiB);  // RssFile + RssShmem
    EXPECT_EQ(point.vm_data, 3 * (400 + 1200 + 2500 + 300) * KiB) << "VmData summed; the zombie counts zero";
    EXPECT_FALSE(known(point.pss));
    EXPECT_FALSE(known(sampler.sample().pss));
}

TEST(SamplerTreeSampler, OldKernelStatusFallsBackToStatm) {
    ScratchCopy root("fake_tree");
    // Linux < 4.5: no RssAnon/RssFile/RssShmem in status, and no smaps_rollup either.
    testing::write_file(root.path() / "103/status", "Name:\tforked\nState:\tS (sleeping)\nPPid:\t100\n"
                                                    "VmRSS:\t     500 kB\nVmSwap:\t       5 kB\nThreads:\t1\n");
    auto sampler = fake_sampler(103, root.path());
    const SamplePoint point = sampler.sample();
    const std::uint64_t page = sampler.fs().page_size();
    // statm of 103: resident 125 pages, shared 50 pages.
    EXPECT_EQ(point.rss, 500 * KiB);
    EXPECT_EQ(point.file, 50 * page);
    EXPECT_EQ(point.anon, (125 - 50) * page);
    EXPECT_EQ(point.swap, 5 * KiB);
    EXPECT_FALSE(known(point.vm_data)) << "no VmData line";
}

TEST(SamplerTreeSampler, ProcessGoneBetweenSamples) {
    ScratchCopy root("fake_tree");
    auto sampler = fake_sampler(100, root.path());
    EXPECT_EQ(sampler.sample().processes, 5u);
    // 101 exits: its directory goes, and 104 is no longer its child (the kernel reparents it away).
    std::filesystem::remove_all(root.path() / "101");
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 3u);
    EXPECT_EQ(point.rss, (1000 + 500) * KiB);
    EXPECT_EQ(find(sampler.last_processes(), 101), nullptr);
}

TEST(SamplerTreeSampler, ProcessGoneBetweenReadsOfOneSample) {
    ScratchCopy root("fake_tree");
    auto sampler = fake_sampler(100, root.path());
    // Listed by its parent's children file, but its status is gone by the time it is read.
    std::filesystem::remove(root.path() / "104/status");
    // Its status was read, but smaps_rollup and statm are gone by the time they are read.
    std::filesystem::remove(root.path() / "101/smaps_rollup");
    std::filesystem::remove(root.path() / "101/statm");
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 4u);
    EXPECT_EQ(find(sampler.last_processes(), 104), nullptr);
    // 101 counted from its status: VmRSS 2000 kB.
    const auto* worker = find(sampler.last_processes(), 101);
    ASSERT_NE(worker, nullptr);
    EXPECT_EQ(worker->rss, 2000 * KiB);
    EXPECT_EQ(point.rss, (1000 + 2000 + 500) * KiB);
}

TEST(SamplerTreeSampler, DamagedStatusSkipsOnlyThatProcess) {
    ScratchCopy root("fake_tree");
    testing::write_file(root.path() / "101/status", "garbage");
    auto sampler = fake_sampler(100, root.path());
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 4u);  // 101 skipped, its child 104 still found through 101's children file
    EXPECT_EQ(point.rss, (1000 + 3000 + 500) * KiB);
}

TEST(SamplerTreeSampler, GoneRoot) {
    ScratchCopy root("fake_tree");
    auto sampler = fake_sampler(100, root.path());
    std::filesystem::remove_all(root.path() / "100");
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 0u);
    EXPECT_EQ(point.rss, 0u);
    EXPECT_FALSE(sampler.root_alive());
    EXPECT_TRUE(sampler.last_processes().empty());
}

TEST(SamplerTreeSampler, ReusedRootPidIsNotTheRoot) {
    ScratchCopy root("fake_tree");
    auto sampler = fake_sampler(100, root.path());
    EXPECT_EQ(sampler.sample().processes, 5u);
    // 100 exited and a new process got its pid: same files, different start time (field 22).
    testing::write_file(root.path() / "100/stat", "100 (server) S 1 100 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 2 0 777 0 0\n");
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 0u);
    EXPECT_FALSE(sampler.root_alive());
    // Even if the newcomer looks like the old root again later, the watched process is gone for good.
    testing::write_file(root.path() / "100/stat", "100 (server) S 1 100 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 2 0 100 0 0\n");
    EXPECT_EQ(sampler.sample().processes, 0u);
}

TEST(SamplerTreeSampler, ZombieRootIsNotAlive) {
    auto sampler = fake_sampler(102);
    EXPECT_FALSE(sampler.root_alive());  // before any sample: probes
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 1u);
    EXPECT_EQ(point.rss, 0u);
    EXPECT_FALSE(sampler.root_alive());
}

TEST(SamplerTreeSampler, CapturedKernelThreadCountsZero) {
    ScratchCopy root("captured");
    std::filesystem::rename(root.path() / "kthread", root.path() / "2");
    auto sampler = fake_sampler(2, root.path());
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 1u);
    EXPECT_EQ(point.rss, 0u);
    EXPECT_EQ(point.pss, 0u);
    EXPECT_TRUE(sampler.root_alive());
}

TEST(SamplerTreeSampler, CapturedMultithreadedProcess) {
    ScratchCopy root("captured");
    std::filesystem::rename(root.path() / "multithreaded", root.path() / "7359");
    auto sampler = fake_sampler(7359, root.path());
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 1u);
    EXPECT_EQ(point.threads, 4u);
    EXPECT_EQ(point.rss, 13548 * KiB);
    EXPECT_EQ(point.pss, 12074 * KiB);
    EXPECT_EQ(point.anon, 6908 * KiB);
    EXPECT_EQ(point.file, (13548 - 6908) * KiB);
}

TEST(SamplerTreeSampler, ScanFallbackGivesTheSameSums) {
    ScratchCopy root("fake_tree");
    for (const char* file : {"1/task/1", "100/task/100", "100/task/107", "101/task/101", "102/task/102",
                             "103/task/103", "104/task/104", "104/task/108", "104/task/109", "200/task/200"})
        std::filesystem::remove(root.path() / file / "children");
    auto scanning = fake_sampler(100, root.path());
    auto following = fake_sampler(100);
    const SamplePoint scanned = scanning.sample();
    const SamplePoint followed = following.sample();
    EXPECT_TRUE(scanning.scans_all_processes());
    EXPECT_EQ(scanned.processes, followed.processes);
    EXPECT_EQ(scanned.threads, followed.threads);
    EXPECT_EQ(scanned.rss, followed.rss);
    EXPECT_EQ(scanned.anon, followed.anon);
}

}  // namespace
}  // namespace leakscope::sampler
