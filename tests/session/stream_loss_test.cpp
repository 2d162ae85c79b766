// A stream that ends without a goodbye: an exit when the process is gone (or dies a moment later), a
// loss when it runs on, a wait for the new program after an exec, and the end of the loss when the
// process finally ends.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <map>

#include "session/stream_loss.hpp"

namespace leakscope::session {
namespace {

/// Processes by pid: start time while running; absent once gone.
struct FakeProcesses {
    std::map<std::int64_t, std::uint64_t> running;
    int probes = 0;
    StreamLosses::Probe probe() {
        return [this](std::int64_t pid) -> std::optional<std::uint64_t> {
            ++probes;
            const auto it = running.find(pid);
            if (it == running.end()) return std::nullopt;
            return it->second;
        };
    }
};

StreamLosses::Settings quick() {
    StreamLosses::Settings settings;
    settings.dying_wait_ms = 20;
    settings.exec_grace_s = 2.0;
    settings.preload = [](std::int64_t) { return std::optional<std::string>(); };  // not known
    settings.tracker_loaded = [](std::int64_t) { return std::optional<bool>(); };  // not known
    return settings;
}

TEST(StreamLosses, AnExecdProgramWhoseEnvironmentDroppedTheTrackerSaysSo) {
    // `leakscope run -- env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ./svc` (session 18's
    // trial): env replaced leakscope's LD_PRELOAD, and the loss read "a static binary?".
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses::Settings settings = quick();
    settings.preload = [](std::int64_t) { return std::optional<std::string>("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"); };
    StreamLosses losses(os.probe(), settings);
    EXPECT_TRUE(losses.stream_ended(0, 100, true));
    EXPECT_TRUE(losses.update(1.0).empty());  // the exec'd program's grace to report
    const auto found = losses.update(3.5);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].reason.find("no longer preloads leakscope's tracker"), std::string::npos) << found[0].reason;
    EXPECT_NE(found[0].reason.find("libjemalloc.so.2"), std::string::npos) << found[0].reason;
    EXPECT_EQ(found[0].reason.find("static binary"), std::string::npos) << found[0].reason;

    // Still preloaded: the program itself did not report (a static binary, say).
    settings.preload = [](std::int64_t) { return std::optional<std::string>("/opt/leakscope/lib/libleakscope_tracker.so"); };
    StreamLosses still(os.probe(), settings);
    EXPECT_TRUE(still.stream_ended(0, 100, true));
    EXPECT_TRUE(still.update(1.0).empty());
    const auto static_one = still.update(3.5);
    ASSERT_EQ(static_one.size(), 1u);
    EXPECT_NE(static_one[0].reason.find("static binary"), std::string::npos) << static_one[0].reason;
}

TEST(StreamLosses, ThePreloadIsReadFromTheProcesssEnvironment) {
    // This test's own process: whatever its LD_PRELOAD, it is read (an empty string when unset).
    const auto own = StreamLosses::preload_of(getpid());
    ASSERT_TRUE(own.has_value());
    const char* set = getenv("LD_PRELOAD");
    EXPECT_EQ(*own, set ? std::string(set) : std::string());
    EXPECT_FALSE(StreamLosses::preload_of(-1).has_value());
}

TEST(StreamLosses, AStreamOfAProcessThatIsGoneIsAnExit) {
    FakeProcesses os;
    StreamLosses losses(os.probe(), quick());
    EXPECT_FALSE(losses.stream_ended(0, 100, false));
    EXPECT_TRUE(losses.update(1.0).empty());
    EXPECT_FALSE(losses.heap_unknown());
}

TEST(StreamLosses, AStreamOfAProcessThatRunsOnIsLostAndTheHeapUnknownUntilItEnds) {
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses losses(os.probe(), quick());
    EXPECT_TRUE(losses.stream_ended(0, 100, false));
    EXPECT_TRUE(losses.heap_unknown());  // at once: the sample being taken must not drop its heap
    const auto found = losses.update(3.5);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].process, 0u);
    EXPECT_EQ(found[0].t_s, 3.5);
    EXPECT_NE(found[0].reason.find("still ran"), std::string::npos);
    EXPECT_TRUE(losses.update(4.0).empty());  // recorded once
    EXPECT_TRUE(losses.heap_unknown());
    os.running.erase(100);  // it ends: its memory went with it, the others' heap is known again
    losses.update(5.0);
    EXPECT_FALSE(losses.heap_unknown());
}

TEST(StreamLosses, AReusedPidIsNotTheLostProcess) {
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses losses(os.probe(), quick());
    ASSERT_TRUE(losses.stream_ended(0, 100, false));
    losses.update(1.0);
    os.running[100] = 999;  // another process got the pid
    losses.update(2.0);
    EXPECT_FALSE(losses.heap_unknown());
}

TEST(StreamLosses, AnExecWaitsForTheNewProgramThenCountsAsLost) {
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses losses(os.probe(), quick());
    ASSERT_TRUE(losses.stream_ended(0, 100, true));
    // Meanwhile the new program's heap counts as nothing, not as unknown: exec freed the old image's.
    EXPECT_FALSE(losses.heap_unknown());
    EXPECT_TRUE(losses.update(1.0).empty());  // the grace starts
    EXPECT_TRUE(losses.update(2.5).empty());
    EXPECT_FALSE(losses.heap_unknown());
    const auto found = losses.update(3.0);  // no report within 2 s: a static binary, say
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].t_s, 1.0);  // from the first sample after the exec
    EXPECT_NE(found[0].reason.find("exec"), std::string::npos);
    EXPECT_TRUE(losses.heap_unknown());
}

TEST(StreamLosses, AnExecdProgramCarryingTheTrackerThatHasNotAllocatedLosesNothing) {
    // `... | gzip -c | ...` under leakscope: the shell's child exec'd gzip, which runs for the whole
    // pipeline without a malloc, so its tracker (loaded, waiting for a first allocation) never reports.
    // That is a heap of nothing, not a lost one: the run's heap was unknown from 0.1 s on.
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses::Settings settings = quick();
    int looked = 0;
    settings.tracker_loaded = [&](std::int64_t) { ++looked; return std::optional<bool>(true); };
    StreamLosses losses(os.probe(), settings);
    ASSERT_TRUE(losses.stream_ended(0, 100, true));
    EXPECT_TRUE(losses.update(1.0).empty());
    EXPECT_TRUE(losses.update(3.5).empty());
    EXPECT_TRUE(losses.update(60.0).empty());
    EXPECT_FALSE(losses.heap_unknown());
    EXPECT_EQ(looked, 1);  // the maps read once, not at every sample
    // It allocates at last: its own stream reports.
    losses.exec_claimed(0);
    EXPECT_TRUE(losses.update(61.0).empty());
    // A program the tracker is not in (a static binary) is still lost.
    settings.tracker_loaded = [](std::int64_t) { return std::optional<bool>(false); };
    StreamLosses without(os.probe(), settings);
    ASSERT_TRUE(without.stream_ended(0, 100, true));
    EXPECT_TRUE(without.update(1.0).empty());
    EXPECT_EQ(without.update(3.5).size(), 1u);
    EXPECT_TRUE(without.heap_unknown());
}

TEST(StreamLosses, TheTrackerIsFoundInTheProcesssMaps) {
    // This test binary is not run under the tracker: its maps hold no libleakscope_tracker.so.
    EXPECT_EQ(StreamLosses::tracker_loaded_in(getpid()), std::optional<bool>(false));
    EXPECT_FALSE(StreamLosses::tracker_loaded_in(-1).has_value());
}

TEST(StreamLosses, AnExecWhoseProgramReportsLosesNothing) {
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses losses(os.probe(), quick());
    ASSERT_TRUE(losses.stream_ended(0, 100, true));
    losses.update(1.0);
    losses.exec_claimed(0);
    EXPECT_FALSE(losses.heap_unknown());
    EXPECT_TRUE(losses.update(5.0).empty());
}

TEST(StreamLosses, ADyingProcessGetsAMomentToBecomeAZombie) {
    FakeProcesses os;
    os.running[100] = 777;
    StreamLosses::Probe dies_on_third_look = [&](std::int64_t pid) -> std::optional<std::uint64_t> {
        if (++os.probes >= 3) return std::nullopt;
        return os.running.at(pid);
    };
    StreamLosses losses(dies_on_third_look, quick());
    EXPECT_FALSE(losses.stream_ended(0, 100, false));
    EXPECT_FALSE(losses.heap_unknown());
}

TEST(StreamLosses, TheRealProbeSeesThisProcessRunning) {
    EXPECT_TRUE(StreamLosses::running_since(static_cast<std::int64_t>(getpid())).has_value());
    EXPECT_FALSE(StreamLosses::running_since(0).has_value());
}

}  // namespace
}  // namespace leakscope::session
