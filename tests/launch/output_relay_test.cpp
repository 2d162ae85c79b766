// --events-regex on untrusted output (issue 16, item 5): linear-time matching, so a pattern like
// "request .*done" and a 30 KB line neither crash (std::regex recursed once per character) nor slow
// leakscope down; lines are matched on a bounded prefix.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "launch/output_relay.hpp"

namespace leakscope::launch {
namespace {

/// Feeds `text` through the relay (into /dev/null) and returns the events counted.
std::uint64_t count_events(const std::string& pattern, const std::string& text) {
    OutputRelay relay(pattern);
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK), 0);
    const int sink = ::open("/dev/null", O_WRONLY);
    std::size_t written = 0;
    while (written < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + written, std::min<std::size_t>(text.size() - written, 32768));
        if (n > 0) written += static_cast<std::size_t>(n);
        relay.relay(fds[0], sink);
    }
    ::close(fds[1]);
    while (relay.relay(fds[0], sink)) {
    }
    relay.finish();
    ::close(fds[0]);
    ::close(sink);
    return relay.events();
}

TEST(OutputRelay, CountsMatchingLines) {
    EXPECT_EQ(count_events("request .*done", "request 1 done\nnoise\nrequest 2 done\nrequest 3 failed\n"), 2u);
    EXPECT_EQ(count_events("^step$", "step\nstep\nsteps\nstep"), 3u) << "a last line without newline counts";
    EXPECT_EQ(count_events("", "anything\n"), 0u);
}

TEST(OutputRelay, HugeLinesWithBacktrackingPatternsAreLinearNotACrash) {
    const std::string line = "request " + std::string(30 * 1024, 'x') + " done\n";
    std::string text;
    for (int i = 0; i < 20; ++i) text += line;
    text += "request " + std::string(10u << 20, 'y') + " done\n";  // 10 MB: matched on its first 64 KiB
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(count_events("request .*done", text), 20u);
    EXPECT_EQ(count_events("(a|aa)*b|request (x+x+)+y", text), 0u) << "exponential for a backtracking engine";
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(OutputRelay, AnInvalidPatternIsReportedNotThrown) {
    EXPECT_TRUE(events_regex_error("("));
    EXPECT_FALSE(events_regex_error("request .*done"));
}

}  // namespace
}  // namespace leakscope::launch
