// GoogleTest assertions on memory growth per cycle. The only leakscope header that includes gtest.
//
//   TEST(Controller, DoesNotLeak) {
//       EXPECT_NO_LEAK(1000, [&] { auto c = make_controller(); c.run(50); });
//   }
//
// The body is anything callable with no arguments (commas inside it are fine). On failure the message
// gives the steady rate per cycle with its interval, the one-time warm-up and, under `leakscope run`,
// the top growing allocation site. ASSERT_NO_LEAK also returns from the test.
#pragma once

#include <gtest/gtest.h>

#include "leakscope/cycles.hpp"

namespace leakscope::testing {

/// The failure text: which assertion, then leakscope::describe().
inline std::string leak_failure_message(const char* cycles_text, const CycleResult& result) {
    return std::string("memory grows per cycle over ") + cycles_text + " cycles: " + describe(result);
}

}  // namespace leakscope::testing

// `switch (0) case 0: default:` keeps a dangling `else` of the caller from binding to our `if`.
#define LEAKSCOPE_NO_LEAK_CHECK_(cycles, fail, ...)                                                  \
    switch (0)                                                                                       \
    case 0:                                                                                          \
    default:                                                                                         \
        if (const ::leakscope::CycleResult leakscope_result_ =                                       \
                ::leakscope::measure_cycles((cycles), __VA_ARGS__);                                  \
            !leakscope_result_.leak)                                                                 \
            ;                                                                                        \
        else                                                                                         \
            fail << ::leakscope::testing::leak_failure_message(#cycles, leakscope_result_)

/// Non-fatal: the test goes on.
#define EXPECT_NO_LEAK(cycles, ...) LEAKSCOPE_NO_LEAK_CHECK_(cycles, ADD_FAILURE(), __VA_ARGS__)
/// Fatal: the test returns.
#define ASSERT_NO_LEAK(cycles, ...) LEAKSCOPE_NO_LEAK_CHECK_(cycles, GTEST_FAIL(), __VA_ARGS__)
