// Which processes `watch --cgroup` selects, on a captured-style /proc and cgroup tree in a scratch
// directory: the cgroup's own processes and those of every child cgroup below it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "watch/process_selection.hpp"

namespace leakscope::watch {
namespace {

namespace fs = std::filesystem;

class FakeSystem {
public:
    FakeSystem() : root_(fs::temp_directory_path() / ("leakscope-selection-" + std::to_string(::getpid()))) {
        fs::remove_all(root_);
        fs::create_directories(root_ / "proc");
        fs::create_directories(root_ / "cgroup");
    }
    ~FakeSystem() { fs::remove_all(root_); }

    void process(int pid, int ppid, const std::string& comm) {
        fs::create_directories(root_ / "proc" / std::to_string(pid));
        std::ofstream(root_ / "proc" / std::to_string(pid) / "stat")
            << pid << " (" << comm << ") S " << ppid << " " << pid << " 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 " << 1000 + pid << " 0 0\n";
    }
    void cgroup(const std::string& path, const std::string& procs) {
        fs::create_directories(root_ / "cgroup" / path);
        std::ofstream(root_ / "cgroup" / path / "cgroup.procs") << procs;
    }
    sampler::ProcFs procfs() const { return sampler::ProcFs((root_ / "proc").string(), (root_ / "cgroup").string()); }
    const fs::path& root() const { return root_; }

private:
    fs::path root_;
};

std::vector<int> pids_of(const std::vector<Candidate>& selected) {
    std::vector<int> pids;
    for (const auto& c : selected) pids.push_back(c.pid);
    return pids;
}

TEST(Selection, ACgroupIncludesTheProcessesOfItsChildCgroups) {
    FakeSystem sys;
    for (int pid : {100, 200, 300, 400, 500}) sys.process(pid, 1, "svc" + std::to_string(pid));
    sys.cgroup("system.slice/app.service", "100\n");
    sys.cgroup("system.slice/app.service/workers", "200\n");
    sys.cgroup("system.slice/app.service/workers/deep", "300\n");
    sys.cgroup("system.slice/other.service", "400\n");  // a sibling: not selected
    sys.cgroup("system.slice/app.service-not-a-child", "500\n");
    auto fs = sys.procfs();
    ProcessSelection selection({{}, {}, {"system.slice/app.service"}});
    EXPECT_EQ(pids_of(selection.select(fs)), (std::vector<int>{100, 200, 300}));
    // The same with a leading and a trailing slash, and a cgroup given by its leaf.
    ProcessSelection slashes({{}, {}, {"/system.slice/app.service/workers/"}});
    EXPECT_EQ(pids_of(slashes.select(fs)), (std::vector<int>{200, 300}));
}

TEST(Selection, AChildCgroupsProcessWhoseParentIsWatchedCountsInItsParent) {
    FakeSystem sys;
    sys.process(100, 1, "server");
    sys.process(101, 100, "worker");  // moved into a child cgroup by its parent
    sys.cgroup("app.slice", "100\n");
    sys.cgroup("app.slice/worker", "101\n");
    auto fs = sys.procfs();
    ProcessSelection selection({{}, {}, {"app.slice"}});
    EXPECT_EQ(pids_of(selection.select(fs)), (std::vector<int>{100}));
}

TEST(Selection, AMissingCgroupSelectsNothing) {
    FakeSystem sys;
    sys.process(100, 1, "server");
    auto fs = sys.procfs();
    ProcessSelection selection({{}, {}, {"no/such.service"}});
    EXPECT_TRUE(selection.select(fs).empty());
}

}  // namespace
}  // namespace leakscope::watch
