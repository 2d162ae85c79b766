#pragma once

#include <functional>

namespace leakscope::tracker_test {

/// `depth` nested frames with rbp-based CFAs, then `at_the_bottom`.
int with_frame_pointer(int depth, const std::function<void()>& at_the_bottom);
/// A frame with an alloca of `bytes`.
void with_alloca(int bytes, const std::function<void()>& at_the_bottom);
/// A frame that realigns the stack (over-aligned local plus alloca).
void with_realigned_stack(int bytes, const std::function<void()>& at_the_bottom);
/// Calls `at_the_bottom` through a noreturn function it calls last, which then throws an int.
int with_noreturn_call_last(int value, const std::function<void()>& at_the_bottom);

}  // namespace leakscope::tracker_test
