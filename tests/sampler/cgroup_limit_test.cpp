// The tightest memory limit over a process's cgroups and their ancestors
// (tests/data/proc/fake_cgroup/README.md describes each case).
#include <gtest/gtest.h>
#include <unistd.h>

#include "sampler/cgroup_limit.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

using testing::data_dir;

ProcFs fake_cgroup_fs() {
    return ProcFs((data_dir() / "fake_cgroup/proc").string(), (data_dir() / "fake_cgroup/sys").string());
}

TEST(SamplerCgroupLimit, V2ParentLimitIsTighter) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 10);
    ASSERT_TRUE(limit) << limit.error().message;
    ASSERT_TRUE(limit->has_value());
    EXPECT_EQ((*limit)->bytes, 2147483648u);
    EXPECT_EQ((*limit)->file, fs.cgroup_root() + "/user.slice/app.slice/memory.max");
}

TEST(SamplerCgroupLimit, V1OnHybridSystem) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 11);
    ASSERT_TRUE(limit) << limit.error().message;
    ASSERT_TRUE(limit->has_value());
    EXPECT_EQ((*limit)->bytes, 1073741824u);
    EXPECT_EQ((*limit)->file, fs.cgroup_root() + "/memory/process_api/memory.limit_in_bytes");
}

TEST(SamplerCgroupLimit, V1CoMountedControllers) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 12);
    ASSERT_TRUE(limit) << limit.error().message;
    ASSERT_TRUE(limit->has_value());
    EXPECT_EQ((*limit)->bytes, 536870912u);
}

TEST(SamplerCgroupLimit, MaxEverywhereIsNoLimit) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 13);
    ASSERT_TRUE(limit) << limit.error().message;
    EXPECT_FALSE(limit->has_value());
}

TEST(SamplerCgroupLimit, GarbageLimitFileIsAClearError) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 14);
    ASSERT_FALSE(limit);
    EXPECT_EQ(limit.error().kind, ProcError::Kind::kMalformed);
    EXPECT_EQ(limit.error().message,
              fs.cgroup_root() + "/bad/memory.max: memory.max: neither \"max\" nor a byte count: 'lots'");
}

TEST(SamplerCgroupLimit, GoneProcessIsNotFound) {
    auto fs = fake_cgroup_fs();
    const auto limit = find_cgroup_memory_limit(fs, 4242);
    ASSERT_FALSE(limit);
    EXPECT_EQ(limit.error().kind, ProcError::Kind::kNotFound);
}

TEST(SamplerCgroupLimit, PathCannotEscapeTheCgroupRoot) {
    testing::ScratchCopy root("fake_cgroup");
    testing::write_file(root.path() / "proc/15/cgroup", "0::/../sys/user.slice/app.slice\n");
    ProcFs fs((root.path() / "proc").string(), (root.path() / "sys").string());
    const auto limit = find_cgroup_memory_limit(fs, 15);
    ASSERT_TRUE(limit) << limit.error().message;
    EXPECT_FALSE(limit->has_value());
}

TEST(SamplerCgroupLimit, ThisProcessOnThisMachine) {
    ProcFs fs;
    const auto limit = find_cgroup_memory_limit(fs, ::getpid());
    ASSERT_TRUE(limit) << limit.error().message;
    if (limit->has_value()) {
        EXPECT_GT((*limit)->bytes, 0u);
    }
}

}  // namespace
}  // namespace leakscope::sampler
