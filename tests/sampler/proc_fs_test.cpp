// ProcFs against a fake proc root: what each reader returns, and how it reports a missing or damaged file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "sampler/proc_fs.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

using testing::data_dir;
using testing::ScratchCopy;
using testing::write_file;

ProcFs fake_tree() { return ProcFs((data_dir() / "fake_tree").string()); }

TEST(SamplerProcFs, ReadsEveryFileOfAProcess) {
    auto fs = fake_tree();
    const auto status = fs.read_status(100);
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->name, "server");
    EXPECT_EQ(status->threads, 2u);
    const auto rollup = fs.read_smaps_rollup(100);
    ASSERT_TRUE(rollup) << rollup.error().message;
    EXPECT_EQ(rollup->pss, 600u * 1024);
    const auto statm = fs.read_statm(100);
    ASSERT_TRUE(statm) << statm.error().message;
    EXPECT_EQ(statm->resident, 250u * fs.page_size());
    const auto stat = fs.read_stat(100);
    ASSERT_TRUE(stat) << stat.error().message;
    EXPECT_EQ(stat->ppid, 1);
    const auto meminfo = fs.read_meminfo();
    ASSERT_TRUE(meminfo) << meminfo.error().message;
    EXPECT_GT(meminfo->mem_total, 0u);
}

TEST(SamplerProcFs, MissingProcessIsNotFoundAndNamesThePath) {
    auto fs = fake_tree();
    const auto status = fs.read_status(4242);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ProcError::Kind::kNotFound);
    EXPECT_EQ(status.error().message, "cannot read " + fs.proc_root() + "/4242/status: no such file");
}

TEST(SamplerProcFs, MissingSmapsRollupIsNotFound) {
    auto fs = fake_tree();
    const auto rollup = fs.read_smaps_rollup(103);
    ASSERT_FALSE(rollup);
    EXPECT_EQ(rollup.error().kind, ProcError::Kind::kNotFound);
}

TEST(SamplerProcFs, DamagedFileIsMalformedAndNamesThePath) {
    ScratchCopy root("fake_tree");
    write_file(root.path() / "100/status", "Name:\tserver\nState:\tS\n");
    ProcFs fs(root.path().string());
    const auto status = fs.read_status(100);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().kind, ProcError::Kind::kMalformed);
    EXPECT_EQ(status.error().message, (root.path() / "100/status").string() + ": status: no PPid line");
}

TEST(SamplerProcFs, ChildrenOfEveryThread) {
    auto fs = fake_tree();
    std::vector<int> children;
    const auto added = fs.read_children(100, children);
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(*added, 3u);
    std::sort(children.begin(), children.end());
    // 103 was forked by thread 107: it is only in task/107/children.
    EXPECT_EQ(children, (std::vector<int>{101, 102, 103}));
}

TEST(SamplerProcFs, ChildrenOfAGoneProcessIsNotFound) {
    auto fs = fake_tree();
    std::vector<int> children;
    const auto added = fs.read_children(4242, children);
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().kind, ProcError::Kind::kNotFound);
}

TEST(SamplerProcFs, KernelWithoutChildrenFilesIsUnsupported) {
    ScratchCopy root("fake_tree");
    std::filesystem::remove(root.path() / "100/task/100/children");
    std::filesystem::remove(root.path() / "100/task/107/children");
    ProcFs fs(root.path().string());
    std::vector<int> children;
    const auto added = fs.read_children(100, children);
    ASSERT_FALSE(added);
    EXPECT_EQ(added.error().kind, ProcError::Kind::kUnsupported);
}

TEST(SamplerProcFs, ListsNumericEntriesOnly) {
    auto fs = fake_tree();
    std::vector<int> pids{99};
    ASSERT_TRUE(fs.list_pids(pids));
    std::sort(pids.begin(), pids.end());
    EXPECT_EQ(pids, (std::vector<int>{1, 100, 101, 102, 103, 104, 200}));  // not "meminfo"
}

TEST(SamplerProcFs, ReadsThisProcess) {
    ProcFs fs;
    const auto status = fs.read_status(::getpid());
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_TRUE(status->vm_rss);
    EXPECT_EQ(status->ppid, ::getppid());
    const auto stat = fs.read_stat(::getpid());
    ASSERT_TRUE(stat) << stat.error().message;
    EXPECT_EQ(stat->pid, ::getpid());
}

TEST(SamplerProcFs, GrowsItsBufferForBigFiles) {
    ScratchCopy root("fake_tree");
    // A status with 20 KiB of padding lines before PPid: more than the initial buffer.
    std::string text = "Name:\tbig\nState:\tS\n";
    for (int i = 0; i < 1000; ++i) text += "Padding:\t01234567890123456789\n";
    text += "PPid:\t1\n";
    write_file(root.path() / "100/status", text);
    ProcFs fs(root.path().string());
    const auto status = fs.read_status(100);
    ASSERT_TRUE(status) << status.error().message;
    EXPECT_EQ(status->ppid, 1);
}

}  // namespace
}  // namespace leakscope::sampler
