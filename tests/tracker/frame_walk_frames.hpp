#pragma once

#include <functional>

#include "frame_walk.hpp"

namespace leakscope::tracker_test {

/// `depth` nested frames with rbp-based CFAs, then `at_the_bottom`.
int with_frame_pointer(int depth, const std::function<void()>& at_the_bottom);
/// walk_frames called from a frame with a frame pointer: rbp holds that frame's address when the walk
/// starts, the same on every call from the same stack (elsewhere rbp may hold any data), so a repeated
/// walk can be resumed from its very first state.
int walk_from_frame_pointer_frame(void** out, int max, tracker::FrameMemo* memo);
/// A frame with an alloca of `bytes`.
void with_alloca(int bytes, const std::function<void()>& at_the_bottom);
/// A frame that realigns the stack (over-aligned local plus alloca).
void with_realigned_stack(int bytes, const std::function<void()>& at_the_bottom);
/// outer (alloca of `outer_bytes`, untouched) -> middle (alloca of `middle_bytes`, untouched) -> callee ->
/// `at_the_bottom`, all with frame pointers. Two outers of one shape: called alternately through one
/// pointer with the sizes swapped, the callee's frame sits at the same address with the same return
/// address while the middle frame moved, and the words where the middle frame was still hold its old
/// return address (into the other outer).
void alloca_outer_first(int outer_bytes, int middle_bytes, const std::function<void()>& at_the_bottom);
void alloca_outer_second(int outer_bytes, int middle_bytes, const std::function<void()>& at_the_bottom);
/// Calls `at_the_bottom` through a noreturn function it calls last, which then throws an int.
int with_noreturn_call_last(int value, const std::function<void()>& at_the_bottom);

}  // namespace leakscope::tracker_test
