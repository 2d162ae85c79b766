// leakscope going away and coming back at the same address (a restart of `watch`, whose services name
// its socket through a stable link): the tracker connects again and sends its whole state, everything
// live by site, not only what changed since. Also a service started before leakscope.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

const std::string kPatterns = "tracker_alloc_patterns";

/// The steps the target reports ("leaked N").
long leaked_steps(const RunResult& run) {
    const auto at = run.out.find("leaked ");
    return at == std::string::npos ? -1 : std::atol(run.out.c_str() + at + 7);
}

TEST(TrackerReconnect, ALeakscopeThatComesBackGetsTheWholeLiveState) {
    RunOptions options;
    options.collector_dies_after_s = 0.5;
    options.collector_returns_after_s = 0.3;
    RunResult run = run_program({target_path(kPatterns), "leak-steadily", "2.5"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    ASSERT_TRUE(run.collector_died_while_running);
    const long steps = leaked_steps(run);
    ASSERT_GT(steps, 100) << run.out;
    ASSERT_EQ(run.sink.processes.size(), 1u);
    ASSERT_EQ(run.returned_sink.processes.size(), 1u) << "the tracker never connected to the leakscope that came back";
    const auto& again = run.returned_sink.processes[0];
    EXPECT_EQ(again.info.pid, run.sink.processes[0].info.pid);
    const auto leak = sites_in_function(run.returned_sink, 0, target_path(kPatterns), "leak_step");
    EXPECT_EQ(leak.live_bytes, 1000 * steps) << "every leaked block, those from before the restart too";
    EXPECT_EQ(leak.total_allocations, static_cast<std::uint64_t>(steps));
    ASSERT_TRUE(again.totals);
    EXPECT_GE(again.totals->live_heap_bytes, 1000 * steps);
    EXPECT_TRUE(again.ended && again.clean) << "the exit's last state and goodbye reach the new leakscope";
    EXPECT_TRUE(run.returned_sink.errors.empty()) << run.returned_sink.errors.front();
}

// Started while no leakscope listens: the first attempts (one per snapshot) fail, later ones come less
// often (every 100 intervals, at most a minute apart) but never stop.
TEST(TrackerReconnect, AServiceStartedBeforeLeakscopeIsTrackedOnceItComes) {
    RunOptions options;
    options.collector_absent_at_start = true;
    options.collector_returns_after_s = 1.5;  // past the 50 quick attempts (1 s at a 20 ms interval)
    RunResult run = run_program({target_path(kPatterns), "leak-steadily", "5"}, options);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const long steps = leaked_steps(run);
    ASSERT_EQ(run.returned_sink.processes.size(), 1u) << "never connected";
    const auto leak = sites_in_function(run.returned_sink, 0, target_path(kPatterns), "leak_step");
    EXPECT_EQ(leak.live_bytes, 1000 * steps);
    EXPECT_TRUE(run.returned_sink.processes[0].clean);
}

}  // namespace
}  // namespace leakscope::tracker_test
