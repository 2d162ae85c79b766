// --events-regex on untrusted output (issue 16, item 5): linear-time matching, so a pattern like
// "request .*done" and a 30 KB line neither crash (std::regex recursed once per character) nor slow
// leakscope down; lines are matched on a bounded prefix.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

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

/// What the relay passes on to stderr of `chunks` written one after another to the target's stderr, with
/// Go's gctrace lines read (and swallowed or not); `relay` keeps the collections read.
std::string stderr_passed_on(OutputRelay& relay, const std::vector<std::string>& chunks) {
    std::FILE* captured = std::tmpfile();
    const int saved = ::dup(STDERR_FILENO);
    ::dup2(::fileno(captured), STDERR_FILENO);
    int fds[2];
    EXPECT_EQ(::pipe2(fds, O_NONBLOCK), 0);
    for (const std::string& chunk : chunks) {
        // A chunk bigger than the pipe goes in pieces, the relay draining it between them.
        for (std::size_t written = 0; written < chunk.size();) {
            const ssize_t n = ::write(fds[1], chunk.data() + written, chunk.size() - written);
            if (n > 0) written += static_cast<std::size_t>(n);
            relay.relay(fds[0], STDERR_FILENO);
        }
    }
    ::close(fds[1]);
    while (relay.relay(fds[0], STDERR_FILENO)) {
    }
    relay.finish();
    ::close(fds[0]);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    std::string out;
    std::rewind(captured);
    for (int c; (c = std::fgetc(captured)) != EOF;) out.push_back(static_cast<char>(c));
    std::fclose(captured);
    return out;
}

const std::string kGcLine =
    "gc 3 @15.560s 0%: 0.13+0.79+0.002 ms clock, 0.26+0/0.19/1.3+0.004 ms cpu, 7->7->6 MB, 7 MB goal, 1 MB stacks, 0 MB globals, 2 P\n";

const std::string kNextGcLine = "gc 4" + kGcLine.substr(4);

TEST(OutputRelay, TakesGoCollectionReportsOutOfStderrAndPassesEverythingElse) {
    // Lines split across reads anywhere, program lines that start like a report, a last one without a newline.
    const std::vector<std::string> chunks{"starting\ngc 2", "0 workers\n", kGcLine.substr(0, 40), kGcLine.substr(40),
                                          "gc done: 3 sweeps\n", "gc 4 @16.000s but not a report\n", kNextGcLine, "served 1600 requests"};
    OutputRelay swallowing("");
    swallowing.read_go_gc_trace(/*swallow=*/true);
    EXPECT_EQ(stderr_passed_on(swallowing, chunks),
              "starting\ngc 20 workers\ngc done: 3 sweeps\ngc 4 @16.000s but not a report\nserved 1600 requests");
    EXPECT_EQ(swallowing.go_collections_read(), 2u);
    ASSERT_TRUE(swallowing.last_go_collection());
    EXPECT_EQ(swallowing.last_go_collection()->live_heap, 6u << 20);

    // The user asked for the reports (their own GODEBUG): read, and passed on as they came.
    OutputRelay reading("");
    reading.read_go_gc_trace(/*swallow=*/false);
    std::string all;
    for (const std::string& chunk : chunks) all += chunk;
    EXPECT_EQ(stderr_passed_on(reading, chunks), all);
    EXPECT_EQ(reading.go_collections_read(), 2u);

    EXPECT_FALSE(swallowing.go_collections_mixed());

    // --events-regex counts what the user sees: not the reports taken out.
    OutputRelay counting("^gc ");
    counting.read_go_gc_trace(/*swallow=*/true);
    stderr_passed_on(counting, chunks);
    EXPECT_EQ(counting.events(), 3u) << "gc 20 workers, gc done, gc 4 @16.000s but not a report";

    // A second Go process on the same stderr starts its own count again: which heap a line measures is lost.
    OutputRelay mixed("");
    mixed.read_go_gc_trace(/*swallow=*/true);
    std::string child_line = kGcLine;
    child_line.replace(0, 4, "gc 1");
    stderr_passed_on(mixed, {kGcLine, child_line});
    EXPECT_TRUE(mixed.go_collections_mixed());

    // A line that starts like one but runs on (a hostile program's "gc 1111..."): passed on whole, and held
    // back only for its first kilobyte.
    OutputRelay hostile("");
    hostile.read_go_gc_trace(/*swallow=*/true);
    const std::string runaway = "gc " + std::string(1 << 20, '1') + "\n";
    EXPECT_EQ(stderr_passed_on(hostile, {runaway.substr(0, 70000), runaway.substr(70000)}), runaway);
    EXPECT_EQ(hostile.go_collections_read(), 0u);

    // Without reading them, nothing is held or taken.
    OutputRelay plain("");
    EXPECT_EQ(stderr_passed_on(plain, chunks), all);
    EXPECT_EQ(plain.go_collections_read(), 0u);
}

TEST(OutputRelay, AnInvalidPatternIsReportedNotThrown) {
    EXPECT_TRUE(events_regex_error("("));
    EXPECT_FALSE(events_regex_error("request .*done"));
}

}  // namespace
}  // namespace leakscope::launch
