// The tracker socket (issue 16, item 3): only the watched tree may stream (a stranger could name any
// file as a module for a root leakscope to open), and the socket's directory goes away on every exit
// path, SIGKILL of leakscope included.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "collector/tracker_collector.hpp"

namespace leakscope::collector {
namespace {

struct NullSink : TrackerSink {
    void on_process(const TrackedProcess&) override {}
    void on_module(const Module&) override {}
    void on_module_unloaded(const Module&) override {}
    void on_stack(const Stack&) override {}
    void on_site_update(const SiteUpdate&) override {}
    void on_totals(std::uint32_t, const TrackerTotals&) override {}
    void on_process_end(std::uint32_t, bool) override {}
};

CollectorOptions options() {
    CollectorOptions o;
    o.tracker_library = LEAKSCOPE_TRACKER_LIBRARY_PATH;
    return o;
}

/// A child that connects to `socket` (after `depth` more forks, so it is a descendant of the first
/// child) and then waits; returns the first child's pid.
pid_t connecting_child(const std::string& socket, int depth) {
    const pid_t child = ::fork();
    if (child != 0) return child;
    for (int i = 0; i < depth; ++i)
        if (::fork() != 0) ::pause();  // the ancestors stay alive, so the chain is intact
    const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket.c_str(), sizeof address.sun_path - 1);
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::pause();
    ::_exit(0);
}

std::size_t streams_after_polling(TrackerCollector& collector) {
    NullSink sink;
    for (int i = 0; i < 20; ++i) collector.poll(sink, 25);
    return collector.open_streams();
}

void kill_tree(pid_t child) {
    ::kill(-child, SIGKILL);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
}

TEST(CollectorPeers, AProcessOutsideTheWatchedTreeIsRefused) {
    TrackerCollector collector(options());
    const pid_t target = ::fork();
    if (target == 0) {
        ::setpgid(0, 0);
        ::pause();
        ::_exit(0);
    }
    collector.accept_only_tree_of(target);
    const pid_t stranger = connecting_child(collector.socket_path().string(), 0);
    EXPECT_EQ(streams_after_polling(collector), 0u);
    ASSERT_EQ(collector.warnings().size(), 1u);
    EXPECT_NE(collector.warnings()[0].find("refused a tracker connection from process " + std::to_string(stranger)),
              std::string::npos) << collector.warnings()[0];
    kill_tree(stranger);
    kill_tree(target);
}

TEST(CollectorPeers, TheTargetsDescendantsAreAccepted) {
    TrackerCollector collector(options());
    const pid_t child = ::fork();
    if (child == 0) {
        ::setpgid(0, 0);
        // The "target": its grandchild connects.
        connecting_child(std::string(collector.socket_path()), 1);
        ::pause();
        ::_exit(0);
    }
    collector.accept_only_tree_of(child);
    EXPECT_EQ(streams_after_polling(collector), 1u);
    EXPECT_TRUE(collector.warnings().empty());
    kill_tree(child);
}

TEST(CollectorPeers, TheSocketDirectoryGoesWhenLeakscopeIsKilled) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t leakscope = ::fork();
    if (leakscope == 0) {
        TrackerCollector collector(options());
        const std::string dir = collector.socket_path().parent_path().string() + "\n";
        (void)!::write(fds[1], dir.data(), dir.size());
        ::pause();  // SIGKILLed here: no destructor runs
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string dir;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') dir += c;
    ::close(fds[0]);
    ASSERT_FALSE(dir.empty());
    ASSERT_TRUE(std::filesystem::exists(dir));
    ::kill(leakscope, SIGKILL);
    ::waitpid(leakscope, nullptr, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::filesystem::exists(dir) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir << " is left behind";
}

}  // namespace
}  // namespace leakscope::collector
