// TreeSampler on real processes of this machine: this test, a shell with two children, and a child
// that allocates 50 MiB while it is watched.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "sampler/tree_sampler.hpp"

extern char** environ;

namespace leakscope::sampler {
namespace {

constexpr std::uint64_t MiB = 1024 * 1024;

TEST(SamplerLive, SmapsCategoriesAreReadAtTheFirstSampleThenOnlyNowAndThen) {
    TreeSampler sampler(::getpid());
    const SamplePoint first = sampler.sample();
    ASSERT_TRUE(known(first.smaps_file));
    // The categories account for the resident memory (read a moment after status).
    const std::uint64_t total = first.smaps_brk_heap + first.smaps_stacks + first.smaps_anon_other + first.smaps_file + first.smaps_other;
    EXPECT_NEAR(static_cast<double>(total), static_cast<double>(first.rss), 0.1 * static_cast<double>(first.rss));
    EXPECT_GT(first.smaps_file, 0u) << "the test binary's own code is file-backed";
    EXPECT_GT(first.smaps_stacks, 0u) << "the main thread's [stack]";
    const SamplePoint second = sampler.sample();
    EXPECT_FALSE(known(second.smaps_file)) << "not due again within the period";
    sampler.request_smaps_round();
    EXPECT_TRUE(known(sampler.sample().smaps_file));
    TreeSamplerOptions off;
    off.read_smaps_categories = false;
    TreeSampler without(::getpid(), ProcFs{}, off);
    EXPECT_FALSE(known(without.sample().smaps_file));
}

TEST(SamplerLive, ThisProcess) {
    TreeSampler sampler(::getpid());
    const SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 1u);
    EXPECT_GE(point.threads, 1u);
    EXPECT_GT(point.rss, 0u);
    ASSERT_TRUE(known(point.pss)) << "smaps_rollup of our own process is readable";
    EXPECT_GT(point.pss, 0u);
    EXPECT_LE(point.pss, point.rss);
    ASSERT_TRUE(known(point.anon) && known(point.file));
    EXPECT_EQ(point.anon + point.file, point.rss);
    EXPECT_TRUE(sampler.root_alive());
    ASSERT_EQ(sampler.last_processes().size(), 1u);
    EXPECT_EQ(sampler.last_processes()[0].pid, ::getpid());
}

TEST(SamplerLive, ShellWithTwoChildren) {
    // Its own process group, so the whole tree can be killed at the end of the test.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    char sh[] = "/bin/sh", c[] = "-c", script[] = "sleep 5 & sleep 5 & wait";
    char* argv[] = {sh, c, script, nullptr};
    pid_t shell = 0;
    ASSERT_EQ(posix_spawn(&shell, "/bin/sh", nullptr, &attr, argv, environ), 0);
    posix_spawnattr_destroy(&attr);

    TreeSampler sampler(shell);
    SamplePoint point;
    const auto count_sleeps = [&sampler] {
        int sleeps = 0;
        for (const auto& process : sampler.last_processes()) sleeps += process.comm == "sleep";
        return sleeps;
    };
    // The shell needs a moment to fork its two children, and they to exec sleep (until then their
    // comm is still "sh").
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    do {
        point = sampler.sample();
        if (point.processes >= 3 && count_sleeps() == 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);

    EXPECT_GE(point.processes, 3u);
    EXPECT_GT(point.rss, 0u);
    int sleeps = 0;
    for (const auto& process : sampler.last_processes()) {
        if (process.comm == "sleep") {
            ++sleeps;
            EXPECT_EQ(process.ppid, shell);
            EXPECT_GT(process.rss, 0u);
        }
    }
    EXPECT_EQ(sleeps, 2);
    EXPECT_EQ(sampler.last_processes().front().pid, shell);

    ::kill(-shell, SIGKILL);
    int status = 0;
    ::waitpid(shell, &status, 0);
    // Reaped: the root is gone, and so is the tree (the sleeps are killed too).
    EXPECT_EQ(sampler.sample().processes, 0u);
    EXPECT_FALSE(sampler.root_alive());
}

// Writes one byte and checks it was written.
void send(int fd, char byte) { ASSERT_EQ(::write(fd, &byte, 1), 1); }
char receive(int fd) {
    char byte = 0;
    return ::read(fd, &byte, 1) == 1 ? byte : '\0';
}

TEST(SamplerLive, ChildThatAllocatesFiftyMegabytes) {
    int to_child[2], from_child[2];
    ASSERT_EQ(::pipe(to_child), 0);
    ASSERT_EQ(::pipe(from_child), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(to_child[1]);
        ::close(from_child[0]);
        char byte = 'r';
        if (::write(from_child[1], &byte, 1) != 1) ::_exit(2);
        if (::read(to_child[0], &byte, 1) != 1) ::_exit(3);
        constexpr std::size_t kSize = 50 * MiB;
        auto* block = static_cast<char*>(std::malloc(kSize));
        if (block == nullptr) ::_exit(4);
        std::memset(block, 0x5a, kSize);  // touch every page: now resident
        asm volatile("" : : "r"(block) : "memory");
        byte = block[kSize - 1];
        if (::write(from_child[1], &byte, 1) != 1) ::_exit(5);
        while (::read(to_child[0], &byte, 1) > 0) {}  // until the test closes the pipe
        ::_exit(0);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    ASSERT_EQ(receive(from_child[0]), 'r');

    TreeSampler sampler(child);
    const SamplePoint before = sampler.sample();
    send(to_child[1], 'a');
    ASSERT_EQ(receive(from_child[0]), 0x5a);
    const SamplePoint after = sampler.sample();

    ::close(to_child[1]);
    ::close(from_child[0]);
    int status = 0;
    ::waitpid(child, &status, 0);

    ASSERT_EQ(before.processes, 1u);
    ASSERT_EQ(after.processes, 1u);
    const double grown_mib = (static_cast<double>(after.rss) - static_cast<double>(before.rss)) / MiB;
    // malloc's own header and a partial huge page at either end add at most a few MiB.
    EXPECT_NEAR(grown_mib, 50.0, 4.0);
    const double anon_grown_mib = (static_cast<double>(after.anon) - static_cast<double>(before.anon)) / MiB;
    EXPECT_NEAR(anon_grown_mib, 50.0, 4.0);
}

TEST(SamplerLive, ExitedChildIsAZombieThenGone) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(0);
    TreeSampler sampler(child);
    // Not reaped yet: a zombie, counted with no memory, and not alive.
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
    SamplePoint point = sampler.sample();
    EXPECT_EQ(point.processes, 1u);
    EXPECT_EQ(point.rss, 0u);
    EXPECT_FALSE(sampler.root_alive());
    ::waitpid(child, nullptr, 0);
    point = sampler.sample();
    EXPECT_EQ(point.processes, 0u);
    EXPECT_FALSE(sampler.root_alive());
}

TEST(SamplerLive, MemoryLimitOfThisProcess) {
    TreeSampler sampler(::getpid());
    const auto limit = sampler.memory_limit();
    ASSERT_TRUE(limit) << limit.error().message;
}

}  // namespace
}  // namespace leakscope::sampler
