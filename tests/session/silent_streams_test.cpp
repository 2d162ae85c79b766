// A stream that stays open but stops reporting: silent after the limit once its running process is
// seen silent a while longer, never while the process is stopped (its clock restarts) or gone, once per
// stream, and lost in StreamLosses from its last report.
#include <gtest/gtest.h>

#include <map>

#include "session/silent_streams.hpp"
#include "session/stream_loss.hpp"

namespace leakscope::session {
namespace {

/// Processes by pid: their /proc state letter; absent once gone.
struct FakeStates {
    std::map<std::int64_t, char> state;
    SilentStreams::StateProbe probe() {
        return [this](std::int64_t pid) -> std::optional<char> {
            const auto it = state.find(pid);
            if (it == state.end()) return std::nullopt;
            return it->second;
        };
    }
};

TEST(SilentStreams, TheLimitIsTenIntervalsButNeverUnderFiveSeconds) {
    FakeStates os;
    EXPECT_DOUBLE_EQ(SilentStreams(0.1, os.probe()).limit_s(), 5.0);
    EXPECT_DOUBLE_EQ(SilentStreams(1.0, os.probe()).limit_s(), 10.0);
}

TEST(SilentStreams, ARunningProcessThatStopsReportingIsSilentFromItsLastReportOnce) {
    FakeStates os;
    os.state[100] = 'S';
    SilentStreams silent(0.1, os.probe());
    silent.heard(0, 100, 0.5);
    silent.heard(0, 100, 2.0);
    EXPECT_TRUE(silent.update(7.0).empty());  // 5.0 s: not past the limit
    EXPECT_TRUE(silent.update(7.1).empty());  // past it, seen running: confirmed a second later
    EXPECT_TRUE(silent.update(7.6).empty());
    const auto found = silent.update(8.2);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].process, 0u);
    EXPECT_EQ(found[0].pid, 100);
    EXPECT_DOUBLE_EQ(found[0].last_report_t_s, 2.0);
    EXPECT_TRUE(silent.update(9.0).empty()) << "found once";
    silent.heard(0, 100, 9.5);  // speaking again does not undo the loss: what it missed is not known
    EXPECT_TRUE(silent.update(30.0).empty());
}

TEST(SilentStreams, AReportBeforeTheConfirmationClearsTheSuspicion) {
    FakeStates os;
    os.state[100] = 'R';
    SilentStreams silent(0.1, os.probe());
    silent.heard(0, 100, 0.0);
    EXPECT_TRUE(silent.update(5.5).empty());
    silent.heard(0, 100, 5.6);  // e.g. it was stopped and continued between two looks
    EXPECT_TRUE(silent.update(6.6).empty());
    EXPECT_TRUE(silent.update(10.6).empty());
    EXPECT_TRUE(silent.update(10.7).empty());
    EXPECT_EQ(silent.update(11.8).size(), 1u);  // silent again, past the limit and the confirmation
}

TEST(SilentStreams, AStoppedProcessIsNotSilentAndGetsAWholeLimitOnceItContinues) {
    FakeStates os;
    os.state[100] = 'T';
    SilentStreams silent(0.1, os.probe());
    silent.heard(0, 100, 1.0);
    for (double t = 6.0; t < 60.0; t += 1.0) EXPECT_TRUE(silent.update(t).empty()) << t;
    os.state[100] = 't';  // stopped by a debugger
    EXPECT_TRUE(silent.update(70.0).empty());
    os.state[100] = 'S';  // continued; its tracker says nothing (stuck)
    EXPECT_TRUE(silent.update(74.0).empty());
    EXPECT_TRUE(silent.update(75.5).empty());
    const auto found = silent.update(76.6);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_DOUBLE_EQ(found[0].last_report_t_s, 70.0) << "known until it was last seen stopped";
}

TEST(SilentStreams, AGoneProcessOrAnEndedStreamIsNotSilent) {
    FakeStates os;
    SilentStreams silent(0.1, os.probe());
    silent.heard(0, 100, 0.0);  // pid 100 is gone (or a zombie): its stream is about to end
    silent.heard(1, 200, 0.0);
    os.state[200] = 'R';
    silent.ended(1);
    for (double t = 6.0; t < 20.0; t += 1.0) EXPECT_TRUE(silent.update(t).empty()) << t;
}

TEST(SilentStreams, ASilentStreamIsLostFromItsLastReportUntilItsProcessEnds) {
    std::map<std::int64_t, std::uint64_t> running{{100, 777}};
    StreamLosses losses([&](std::int64_t pid) -> std::optional<std::uint64_t> {
        const auto it = running.find(pid);
        return it == running.end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
    });
    losses.stream_silent(0, 100, 2.0);
    EXPECT_TRUE(losses.heap_unknown());
    const auto found = losses.update(8.2);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_DOUBLE_EQ(found[0].t_s, 2.0);
    EXPECT_NE(found[0].reason.find("stopped reporting"), std::string::npos) << found[0].reason;
    // Its stream ends later while it runs on: the loss stands, not recorded twice.
    EXPECT_TRUE(losses.stream_ended(0, 100, false));
    EXPECT_TRUE(losses.update(9.0).empty());
    EXPECT_TRUE(losses.heap_unknown());
    running.erase(100);
    losses.update(10.0);
    EXPECT_FALSE(losses.heap_unknown());
    losses.stream_silent(1, 300, 3.0);  // a process already gone: nothing to lose
    EXPECT_FALSE(losses.heap_unknown());
}

}  // namespace
}  // namespace leakscope::session
