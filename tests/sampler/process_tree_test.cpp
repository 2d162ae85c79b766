// Tree discovery on the fake proc root (tests/data/proc/make_fake_tree.sh draws the tree).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "sampler/process_tree.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

using testing::data_dir;
using testing::ScratchCopy;
using testing::write_file;

std::vector<int> sorted(std::vector<int> pids) {
    std::sort(pids.begin(), pids.end());
    return pids;
}

// Every pid after the root has its parent earlier in the list.
void expect_parents_first(ProcFs& fs, const std::vector<int>& pids) {
    for (std::size_t i = 1; i < pids.size(); ++i) {
        const auto stat = fs.read_stat(pids[i]);
        ASSERT_TRUE(stat) << stat.error().message;
        const auto parent = std::find(pids.begin(), pids.begin() + static_cast<std::ptrdiff_t>(i), stat->ppid);
        EXPECT_NE(parent, pids.begin() + static_cast<std::ptrdiff_t>(i)) << "pid " << pids[i];
    }
}

void remove_children_files(const std::filesystem::path& root) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.path().filename() == "children") files.push_back(entry.path());
    for (const auto& file : files) std::filesystem::remove(file);
}

TEST(SamplerProcessTree, FindsAllDescendantsThroughEveryThread) {
    ProcFs fs((data_dir() / "fake_tree").string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 100, pids);
    ASSERT_FALSE(pids.empty());
    EXPECT_EQ(pids.front(), 100);
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104}));
    expect_parents_first(fs, pids);
    EXPECT_FALSE(tree.scans_all_processes());
}

// `run` is the target's subreaper: the adopter's other children (orphans re-parented to it) belong to
// the tree, the adopter itself does not. 1 plays the adopter here, 200 the orphan.
TEST(SamplerProcessTree, AdoptedOrphansJoinTheTree) {
    ProcFs fs((data_dir() / "fake_tree").string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 100, pids, /*adopter=*/1);
    ASSERT_FALSE(pids.empty());
    EXPECT_EQ(pids.front(), 100);
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104, 200}));
    tree.discover(fs, 100, pids, /*adopter=*/100);  // the root as its own adopter: nothing more
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104}));

    ScratchCopy scan_root("fake_tree");
    remove_children_files(scan_root.path());
    ProcFs scan_fs(scan_root.path().string());
    ProcessTree scanning;
    scanning.discover(scan_fs, 100, pids, /*adopter=*/1);
    EXPECT_TRUE(scanning.scans_all_processes());
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104, 200}));
}

TEST(SamplerProcessTree, LeafAndWholeSystem) {
    ProcFs fs((data_dir() / "fake_tree").string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 104, pids);
    EXPECT_EQ(pids, (std::vector<int>{104}));
    tree.discover(fs, 1, pids);
    EXPECT_EQ(sorted(pids), (std::vector<int>{1, 100, 101, 102, 103, 104, 200}));
}

TEST(SamplerProcessTree, GoneRootIsStillListedAlone) {
    ProcFs fs((data_dir() / "fake_tree").string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 4242, pids);
    EXPECT_EQ(pids, (std::vector<int>{4242}));
    tree.discover(fs, -1, pids);
    EXPECT_TRUE(pids.empty());
}

TEST(SamplerProcessTree, FallsBackToScanningStatWithoutChildrenFiles) {
    ScratchCopy root("fake_tree");
    remove_children_files(root.path());
    ProcFs fs(root.path().string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 100, pids);
    EXPECT_TRUE(tree.scans_all_processes());
    EXPECT_EQ(pids.front(), 100);
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104}));
    expect_parents_first(fs, pids);
    tree.discover(fs, 101, pids);  // the mode sticks and gives the same answer again
    EXPECT_EQ(sorted(pids), (std::vector<int>{101, 104}));
}

TEST(SamplerProcessTree, CycleInDamagedDataEnds) {
    ScratchCopy root("fake_tree");
    write_file(root.path() / "104/task/104/children", "100 101 104 ");
    ProcFs fs(root.path().string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 100, pids);
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103, 104}));
    // The same walker again: the "seen" marks of the last walk were cleared.
    tree.discover(fs, 100, pids);
    EXPECT_EQ(pids.size(), 5u);
}

TEST(SamplerProcessTree, DamagedChildrenFileOrHugePidIsIgnored) {
    ScratchCopy root("fake_tree");
    write_file(root.path() / "101/task/101/children", "104 garbage");
    write_file(root.path() / "100/task/107/children", "103 99999999 ");
    ProcFs fs(root.path().string());
    ProcessTree tree;
    std::vector<int> pids;
    tree.discover(fs, 100, pids);
    // 101's list is unreadable (104 is lost with it); 99999999 is above PID_MAX_LIMIT.
    EXPECT_EQ(sorted(pids), (std::vector<int>{100, 101, 102, 103}));
}

}  // namespace
}  // namespace leakscope::sampler
