// Leak assertions in a GoogleTest suite. The DISABLED_ test shows the failure message:
//   example_gtest_no_leak --gtest_also_run_disabled_tests
#include <leakscope/gtest.hpp>

#include "controller.hpp"

TEST(Controller, LifecycleDoesNotLeak) {
    // The one-time kernel cache (6 MiB in the first cycle) is a warm-up and does not fail the test.
    EXPECT_NO_LEAK(1000, [] {
        example::Controller controller(true);
        controller.run(50);
    });
}

TEST(Controller, DISABLED_RegistryLeaksPerCycle) {
    int id = 0;
    ASSERT_NO_LEAK(1000, [&] {
        example::Controller controller(false);
        example::register_controller(id++);
        controller.run(50);
    });
}

TEST(Controller, StepsThroughTheFullResult) {
    example::Controller controller(true);
    const auto result = leakscope::measure_steps(10000, [&] { controller.step(); });
    // The history grows by one Sample (24 B, a 32-byte block) plus its pointer per step.
    EXPECT_TRUE(result.leak) << result;
    EXPECT_GT(result.bytes_per_cycle, 24) << result;
}
