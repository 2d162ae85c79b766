// Frames of the shapes the frame walk must get right or hand to libunwind, compiled with frame pointers
// (tests/tracker/CMakeLists.txt) so their CFA is rbp-based, unlike the test file's own frames.
#include "frame_walk_frames.hpp"

#include <alloca.h>

#include <cstring>

namespace leakscope::tracker_test {

__attribute__((noinline)) int with_frame_pointer(int depth, const std::function<void()>& at_the_bottom) {
    if (depth == 0) {
        at_the_bottom();
        return 0;
    }
    const int below = with_frame_pointer(depth - 1, at_the_bottom);
    asm volatile("" ::: "memory");  // no tail call: every level keeps its frame
    return below + 1;
}

__attribute__((noinline)) int walk_from_frame_pointer_frame(void** out, int max, tracker::FrameMemo* memo) {
    const int n = tracker::walk_frames(out, max, memo);
    asm volatile("" ::: "memory");  // no tail call: the walk starts in this frame
    return n;
}

__attribute__((noinline)) void with_alloca(int bytes, const std::function<void()>& at_the_bottom) {
    char* buffer = static_cast<char*>(alloca(static_cast<std::size_t>(bytes)));
    std::memset(buffer, 1, static_cast<std::size_t>(bytes));
    at_the_bottom();
    asm volatile("" ::"r"(buffer) : "memory");
}

namespace {
struct alignas(64) Aligned {
    char bytes[64];
};
}  // namespace

// An over-aligned local and a variable-size one: gcc realigns the stack through a DRAP register and
// describes the CFA with DW_CFA_def_cfa_expression (clang keeps it rbp-based): either way the same stack.
__attribute__((noinline)) void with_realigned_stack(int bytes, const std::function<void()>& at_the_bottom) {
    Aligned aligned;
    char* buffer = static_cast<char*>(alloca(static_cast<std::size_t>(bytes)));
    std::memset(buffer, 1, static_cast<std::size_t>(bytes));
    std::memset(&aligned, 2, sizeof aligned);
    at_the_bottom();
    asm volatile("" ::"r"(buffer), "r"(&aligned) : "memory");
}

}  // namespace leakscope::tracker_test

namespace leakscope::tracker_test {

__attribute__((noinline, noreturn)) void throw_after(const std::function<void()>& at_the_bottom) {
    at_the_bottom();
    throw 42;
}

// The call to a noreturn function is this function's last instruction: its return address is the first
// byte of whatever follows, whose unwind rule is not this frame's (an unwinder must look up address - 1).
__attribute__((noinline)) int with_noreturn_call_last(int value, const std::function<void()>& at_the_bottom) {
    volatile int locals[16];
    locals[value & 15] = value;
    if (value < 0) return locals[0];
    throw_after(at_the_bottom);
}

}  // namespace leakscope::tracker_test

namespace leakscope::tracker_test {

__attribute__((noinline)) void alloca_callee(const std::function<void()>& at_the_bottom) {
    at_the_bottom();
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) void alloca_middle(int bytes, const std::function<void()>& at_the_bottom) {
    char* buffer = static_cast<char*>(alloca(static_cast<std::size_t>(bytes)));  // left untouched
    asm volatile("" ::"r"(buffer) : "memory");
    alloca_callee(at_the_bottom);
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) void alloca_outer_first(int outer_bytes, int middle_bytes, const std::function<void()>& at_the_bottom) {
    char* buffer = static_cast<char*>(alloca(static_cast<std::size_t>(outer_bytes)));  // left untouched
    asm volatile("" ::"r"(buffer) : "memory");
    alloca_middle(middle_bytes, at_the_bottom);
    asm volatile("" ::: "memory");
}

__attribute__((noinline)) void alloca_outer_second(int outer_bytes, int middle_bytes, const std::function<void()>& at_the_bottom) {
    char* buffer = static_cast<char*>(alloca(static_cast<std::size_t>(outer_bytes)));  // left untouched
    asm volatile("nop" ::"r"(buffer) : "memory");  // not folded into the first by identical-code folding
    alloca_middle(middle_bytes, at_the_bottom);
    asm volatile("" ::: "memory");
}

}  // namespace leakscope::tracker_test
