// The parsers against files captured from a real kernel (tests/data/proc/captured/), plus the damaged
// inputs they must reject with a message rather than a wrong number.
#include <gtest/gtest.h>

#include "sampler/proc_parsers.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

using testing::read_data;
constexpr std::uint64_t KiB = 1024;

TEST(SamplerStatusParser, NormalProcess) {
    const auto status = parse_status(read_data("captured/normal/status"));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->name, "sleep");
    EXPECT_EQ(status->state, 'S');
    EXPECT_EQ(status->ppid, 7341);
    EXPECT_EQ(status->threads, 1u);
    EXPECT_EQ(status->vm_rss, 1840 * KiB);
    EXPECT_EQ(status->rss_anon, 108 * KiB);
    EXPECT_EQ(status->rss_file, 1732 * KiB);
    EXPECT_EQ(status->rss_shmem, 0u);
    EXPECT_EQ(status->vm_swap, 0u);
    EXPECT_EQ(status->vm_data, 224 * KiB);
}

TEST(SamplerStatusParser, MultithreadedProcess) {
    const auto status = parse_status(read_data("captured/multithreaded/status"));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->name, "python3");
    EXPECT_EQ(status->threads, 4u);
    EXPECT_EQ(status->vm_rss, 13548 * KiB);
    EXPECT_EQ(*status->rss_anon + *status->rss_file + *status->rss_shmem, *status->vm_rss);
}

TEST(SamplerStatusParser, KernelThreadHasNoMemoryLines) {
    const auto status = parse_status(read_data("captured/kthread/status"));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->name, "kthreadd");
    EXPECT_EQ(status->ppid, 0);
    EXPECT_FALSE(status->vm_rss);
    EXPECT_FALSE(status->rss_anon);
    EXPECT_FALSE(status->vm_swap);
    EXPECT_FALSE(status->vm_data);
}

TEST(SamplerStatusParser, ZombieHasNoMemoryLines) {
    const auto status = parse_status(read_data("captured/zombie/status"));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->state, 'Z');
    EXPECT_EQ(status->ppid, 7435);
    EXPECT_FALSE(status->vm_rss);
}

TEST(SamplerStatusParser, NameWithSpacesAndParentheses) {
    const auto status = parse_status(read_data("captured/weird_comm/status"));
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->name, "w) (x y");
}

TEST(SamplerStatusParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_status(""));
    EXPECT_FALSE(parse_status("Name:\tx\nState:\tS (sleeping)\n"));  // no PPid
    const auto bad_size = parse_status("Name:\tx\nState:\tS\nPPid:\t1\nVmRSS:\t12 MB\n");
    ASSERT_FALSE(bad_size);
    EXPECT_EQ(bad_size.error().kind, ProcError::Kind::kMalformed);
    EXPECT_NE(bad_size.error().message.find("VmRSS"), std::string::npos) << bad_size.error().message;
    // 2^64 / 1024 + 1 kB does not fit in 64 bits of bytes.
    EXPECT_FALSE(parse_status("Name:\tx\nState:\tS\nPPid:\t1\nVmRSS:\t18014398509481984 kB\n"));
    EXPECT_FALSE(parse_status("Name:\tx\nState:\tS\nPPid:\t-4\n"));
}

TEST(SamplerSmapsRollupParser, NormalProcess) {
    const auto rollup = parse_smaps_rollup(read_data("captured/normal/smaps_rollup"));
    ASSERT_TRUE(rollup) << rollup.error().message;
    EXPECT_EQ(rollup->rss, 1840 * KiB);
    EXPECT_EQ(rollup->pss, 328 * KiB);
    EXPECT_EQ(rollup->pss_anon, 108 * KiB);
    EXPECT_EQ(rollup->pss_file, 220 * KiB);
    EXPECT_EQ(rollup->pss_shmem, 0u);
    EXPECT_EQ(rollup->anonymous, 108 * KiB);
    EXPECT_EQ(rollup->swap, 0u);
    EXPECT_EQ(rollup->swap_pss, 0u);
}

TEST(SamplerSmapsRollupParser, MultithreadedProcess) {
    const auto rollup = parse_smaps_rollup(read_data("captured/multithreaded/smaps_rollup"));
    ASSERT_TRUE(rollup) << rollup.error().message;
    EXPECT_EQ(rollup->rss, 13548 * KiB);
    EXPECT_EQ(rollup->pss, 12074 * KiB);
    EXPECT_EQ(*rollup->pss_anon + *rollup->pss_file + *rollup->pss_shmem, rollup->pss);
}

TEST(SamplerSmapsRollupParser, OlderKernelWithoutPssSplit) {
    // Linux 4.14-5.7 prints no Pss_Anon/Pss_File/Pss_Shmem.
    const auto rollup = parse_smaps_rollup("00400000-7fff0000 ---p 00000000 00:00 0 [rollup]\n"
                                           "Rss:  100 kB\nPss:  50 kB\nAnonymous:  20 kB\nSwap:  0 kB\n");
    ASSERT_TRUE(rollup) << rollup.error().message;
    EXPECT_EQ(rollup->pss, 50 * KiB);
    EXPECT_FALSE(rollup->pss_anon);
    EXPECT_EQ(rollup->anonymous, 20 * KiB);
}

TEST(SamplerSmapsRollupParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_smaps_rollup(""));  // what an empty read gives
    EXPECT_FALSE(parse_smaps_rollup("Rss: 100 kB\n"));  // no Pss
    EXPECT_FALSE(parse_smaps_rollup("Rss: 100 kB\nPss: x kB\n"));
}

TEST(SamplerStatmParser, PagesBecomeBytes) {
    const auto statm = parse_statm(read_data("captured/normal/statm"), 4096);
    ASSERT_TRUE(statm) << statm.error().message;
    EXPECT_EQ(statm->size, 730u * 4096);
    EXPECT_EQ(statm->resident, 460u * 4096);  // = VmRSS 1840 kB of the same capture
    EXPECT_EQ(statm->shared, 433u * 4096);
    EXPECT_EQ(statm->data, 89u * 4096);
}

TEST(SamplerStatmParser, ZombieIsAllZero) {
    const auto statm = parse_statm(read_data("captured/zombie/statm"), 4096);
    ASSERT_TRUE(statm) << statm.error().message;
    EXPECT_EQ(statm->resident, 0u);
}

TEST(SamplerStatmParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_statm("", 4096));
    EXPECT_FALSE(parse_statm("1 2", 4096));
    EXPECT_FALSE(parse_statm("1 2 x 4 5 6 7", 4096));
    EXPECT_FALSE(parse_statm("1 2 3 4 5 6 7 8", 4096));
    EXPECT_FALSE(parse_statm("1 18446744073709551615 3", 4096));  // overflows in bytes
    EXPECT_FALSE(parse_statm("1 2 3", 0));
}

TEST(SamplerStatParser, NormalProcess) {
    const auto stat = parse_stat(read_data("captured/normal/stat"));
    ASSERT_TRUE(stat) << stat.error().message;
    EXPECT_EQ(stat->pid, 7344);
    EXPECT_EQ(stat->comm, "sleep");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 7341);
    EXPECT_EQ(stat->start_time, 33515u);
}

TEST(SamplerStatParser, StartTimeIsOptionalButNotGarbage) {
    const auto short_stat = parse_stat("12 (x) S 1 12 0");
    ASSERT_TRUE(short_stat) << short_stat.error().message;
    EXPECT_FALSE(short_stat->start_time);
    EXPECT_FALSE(parse_stat("12 (x) S 1 12 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 soon 0"));
}

TEST(SamplerStatParser, CommWithSpacesAndParentheses) {
    const auto stat = parse_stat(read_data("captured/weird_comm/stat"));
    ASSERT_TRUE(stat) << stat.error().message;
    EXPECT_EQ(stat->pid, 7466);
    EXPECT_EQ(stat->comm, "w) (x y");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 7341);
    EXPECT_EQ(stat->start_time, 33644u);  // fields counted after the last ')', not after the first
}

TEST(SamplerStatParser, KernelThreadAndZombie) {
    const auto kthread = parse_stat(read_data("captured/kthread/stat"));
    ASSERT_TRUE(kthread) << kthread.error().message;
    EXPECT_EQ(kthread->ppid, 0);
    const auto zombie = parse_stat(read_data("captured/zombie/stat"));
    ASSERT_TRUE(zombie) << zombie.error().message;
    EXPECT_EQ(zombie->state, 'Z');
    EXPECT_EQ(zombie->ppid, 7435);
}

TEST(SamplerStatParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_stat(""));
    EXPECT_FALSE(parse_stat("12 (x"));
    EXPECT_FALSE(parse_stat("12 (x)"));
    EXPECT_FALSE(parse_stat("12 (x) S"));
    EXPECT_FALSE(parse_stat("(x) S 1"));
    EXPECT_FALSE(parse_stat("12 )x( S 1"));
    EXPECT_FALSE(parse_stat("12 (x) S abc 0"));
}

TEST(SamplerChildrenParser, ListsPidsAndAppends) {
    std::vector<int> pids{1};
    const auto added = parse_children(read_data("captured/zombie_parent/task/7435/children"), pids);
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(*added, 1u);
    EXPECT_EQ(pids, (std::vector<int>{1, 7437}));
    ASSERT_TRUE(parse_children("12 13 14 ", pids));
    EXPECT_EQ(pids, (std::vector<int>{1, 7437, 12, 13, 14}));
}

TEST(SamplerChildrenParser, EmptyMeansNoChildren) {
    std::vector<int> pids;
    const auto added = parse_children(read_data("captured/multithreaded/task/7359/children"), pids);
    ASSERT_TRUE(added);
    EXPECT_EQ(*added, 0u);
    EXPECT_TRUE(pids.empty());
}

TEST(SamplerChildrenParser, RejectsDamagedInput) {
    std::vector<int> pids;
    EXPECT_FALSE(parse_children("12 x", pids));
    EXPECT_FALSE(parse_children("-3", pids));
    EXPECT_FALSE(parse_children("99999999999", pids));
}

TEST(SamplerCgroupParser, HybridV1AndV2) {
    const auto entries = parse_cgroup(read_data("captured/normal/cgroup"));
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 10u);
    const auto& memory = (*entries)[5];
    EXPECT_EQ(memory.hierarchy_id, 4);
    EXPECT_TRUE(memory.has_controller("memory"));
    EXPECT_FALSE(memory.is_v2());
    EXPECT_EQ(memory.path, "/process_api/3a52f8781c2f16e11d5d52bb775170dc");
    EXPECT_EQ((*entries)[0].controllers, "name=systemd");
    EXPECT_TRUE(entries->back().is_v2());
    EXPECT_EQ(entries->back().path, "/");
}

TEST(SamplerCgroupParser, V2OnlyAndCoMountedControllers) {
    const auto v2 = parse_cgroup(read_data("fake_cgroup/proc/10/cgroup"));
    ASSERT_TRUE(v2) << v2.error().message;
    ASSERT_EQ(v2->size(), 1u);
    EXPECT_TRUE((*v2)[0].is_v2());
    EXPECT_EQ((*v2)[0].path, "/user.slice/app.slice/svc.service");

    const auto comounted = parse_cgroup("3:cpu,memory:/docker/x:y\n");
    ASSERT_TRUE(comounted) << comounted.error().message;
    EXPECT_TRUE((*comounted)[0].has_controller("memory"));
    EXPECT_TRUE((*comounted)[0].has_controller("cpu"));
    EXPECT_FALSE((*comounted)[0].has_controller("mem"));
    EXPECT_EQ((*comounted)[0].path, "/docker/x:y");  // a ':' in the path is kept
}

TEST(SamplerCgroupParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_cgroup(""));
    EXPECT_FALSE(parse_cgroup("0:/x\n"));
    EXPECT_FALSE(parse_cgroup("a::/x\n"));
    EXPECT_FALSE(parse_cgroup("0::x\n"));
}

TEST(SamplerCgroupLimitParser, V2MaxMeansNoLimit) {
    const auto none = parse_cgroup_v2_memory_max("max\n");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    const auto limit = parse_cgroup_v2_memory_max("2147483648\n");
    ASSERT_TRUE(limit);
    EXPECT_EQ(**limit, 2147483648u);
    EXPECT_FALSE(parse_cgroup_v2_memory_max("lots\n"));
    EXPECT_FALSE(parse_cgroup_v2_memory_max(""));
}

TEST(SamplerCgroupLimitParser, V1HugeValueMeansNoLimit) {
    const auto none = parse_cgroup_v1_limit_in_bytes(read_data("captured/memory.limit_in_bytes.v1_unlimited"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    const auto limit = parse_cgroup_v1_limit_in_bytes("1073741824\n");
    ASSERT_TRUE(limit);
    EXPECT_EQ(**limit, 1073741824u);
    const auto minus_one = parse_cgroup_v1_limit_in_bytes("-1\n");
    ASSERT_TRUE(minus_one);
    EXPECT_FALSE(minus_one->has_value());
    EXPECT_FALSE(parse_cgroup_v1_limit_in_bytes("1G\n"));
}

TEST(SamplerMeminfoParser, CapturedFile) {
    const auto info = parse_meminfo(read_data("captured/meminfo"));
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->mem_total, 24684084 * KiB);
    EXPECT_EQ(info->mem_available, 24312972 * KiB);
}

TEST(SamplerMeminfoParser, RejectsDamagedInput) {
    EXPECT_FALSE(parse_meminfo(""));
    EXPECT_FALSE(parse_meminfo("MemFree: 10 kB\n"));
    EXPECT_FALSE(parse_meminfo("MemTotal: ten kB\n"));
}

}  // namespace
}  // namespace leakscope::sampler
