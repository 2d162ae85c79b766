// The stack of the calling thread as return addresses, exactly as libunwind's `unw_backtrace` gives it,
// at a fraction of its cost: each instruction address's unwind rule is read once from the module's
// .eh_frame (frame_rules.hpp) and kept in a lock-free table shared by all threads; a stack whose frames
// all have one of the plain x86-64 rules is walked with them (two loads per frame), any other stack —
// a signal frame, a realigned or alloca frame whose CFA is an expression, code without unwind info —
// is handed whole to `unw_backtrace`. Exact where a (return address, stack pointer) cache is not: the rule
// of an address is what libunwind would apply there, and a thread's last walk (FrameMemo) is reused only
// after every stack word it depends on has been read again and found unchanged.
// No allocation, no lock: usable in allocation hooks, signal handlers and forked children.
#pragma once

#include <cstdint>

#include "frame_memo.hpp"

namespace leakscope::tracker {

/// Maps the rule table (once, from the tracker's init; without it every rule is read anew).
void initialize_frame_walk();

/// Up to `max` return addresses of the caller's stack, outermost last: the first is the return address
/// into the caller of `walk_frames`, as `unw_backtrace` called in its place would give them. `memo`: the
/// calling thread's own, or nullptr (then see FrameMemo::repeated_tag).
int walk_frames(void** out, int max, FrameMemo* memo = nullptr);

/// Stacks handed to libunwind so far (for tests and the benchmark: the fast path must be the common one).
std::uint64_t frame_walk_fallbacks();

/// LEAKSCOPE_TRACKER_CHECK_UNWIND=1: every captured stack is also taken from `unw_backtrace` and compared;
/// a difference is written to the program's stderr at once, the totals at exit (frame_walk_check.cpp).
/// For the tests that run real programs under the tracker; never on by default.
extern bool g_check_frame_walk;
/// `walk_frames` and `unw_backtrace` both, called from here; returns the walk's result (whose first
/// address is inside this function, a tracker frame like the rest the capture drops).
int walk_frames_checked(void** out, int max, FrameMemo* memo = nullptr);
/// Check mode: a walk answered as a repeat of the stack `repeated` had frames the capture made `captured`
/// of; they must be the same (a difference is written and counted with the others).
void check_repeated_stack(std::uint32_t repeated, std::uint32_t captured);
/// Check mode: the hash the memo's chains gave a stack must be the depot's hash of its frames.
void check_stack_hash(std::uint32_t from_memo, std::uint32_t from_frames);
/// One line on stderr: stacks compared, how many differed, how many were handed to libunwind, how many
/// were repeats.
void report_frame_walk_check();

}  // namespace leakscope::tracker
