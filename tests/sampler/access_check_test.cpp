// The attach pre-flight: each refusal is one sentence a user can act on.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sampler/access_check.hpp"
#include "test_data.hpp"

namespace leakscope::sampler {
namespace {

TEST(SamplerAccessCheck, ThisProcessIsAccessible) {
    ProcFs fs;
    const auto problem = check_attach_access(fs, ::getpid());
    EXPECT_FALSE(problem) << *problem;
}

TEST(SamplerAccessCheck, NoSuchProcess) {
    // pid_max + 1 is never a pid.
    long pid_max = 0;
    std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
    ASSERT_GT(pid_max, 0);
    const int pid = static_cast<int>(pid_max + 1);
    ProcFs fs;
    EXPECT_EQ(check_attach_access(fs, pid), "no process with PID " + std::to_string(pid));
    ProcFs fake((testing::data_dir() / "fake_tree").string());
    EXPECT_EQ(check_attach_access(fake, 123), "no process with PID 123");
}

TEST(SamplerAccessCheck, InvalidPid) {
    ProcFs fs;
    const auto problem = check_attach_access(fs, 0);
    ASSERT_TRUE(problem);
    EXPECT_NE(problem->find("invalid PID 0"), std::string::npos) << *problem;
}

TEST(SamplerAccessCheck, ExitedAndKernelThread) {
    testing::ScratchCopy root("captured");
    std::filesystem::rename(root.path() / "zombie", root.path() / "7437");
    std::filesystem::rename(root.path() / "kthread", root.path() / "2");
    ProcFs fs(root.path().string());
    EXPECT_EQ(check_attach_access(fs, 7437), "process 7437 (sleep) has already exited");
    EXPECT_EQ(check_attach_access(fs, 2), "process 2 (kthreadd) is a kernel thread: it has no memory to watch");
}

TEST(SamplerAccessCheck, KernelWithoutSmapsRollupIsAccessibleThroughStatm) {
    testing::ScratchCopy root("captured");
    std::filesystem::rename(root.path() / "no_smaps_rollup", root.path() / "7344");
    ProcFs fs(root.path().string());
    const auto problem = check_attach_access(fs, 7344);
    EXPECT_FALSE(problem) << *problem;
}

TEST(SamplerAccessCheck, AnotherUsersProcess) {
    // Needs two users: as root, a child that drops to "nobody" checks its root-owned parent.
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another user";
    const pid_t target = ::getpid();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
        ProcFs fs;
        const auto problem = check_attach_access(fs, target);
        const std::string text = problem.value_or("ok");
        const auto written = ::write(fds[1], text.data(), text.size());
        ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 3);
    }
    ::close(fds[1]);
    std::string message;
    char buffer[512];
    ssize_t n;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the child could not switch user";
    EXPECT_EQ(message, "cannot read /proc/" + std::to_string(target) +
                           ": permission denied (the process belongs to another user; run leakscope as that "
                           "user or as root)");
}

}  // namespace
}  // namespace leakscope::sampler
