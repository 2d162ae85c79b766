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

#include "frame_rules.hpp"
#include "stack_hash.hpp"

namespace leakscope::tracker {

/// What one thread remembers between its walks (it lives in the thread's counter slot; only that
/// thread reads or writes it). Both parts are exact:
/// - a direct-mapped cache of unwind rules by address: the shared table has one address per cache line,
///   and programs with many distinct stacks (bash: 20% of the run in its look-ups) missed on every
///   frame. A rule depends on its address alone.
/// - the last walk, step by step, with every word it read from the stack. A walk is a function of its
///   registers and of those words alone, so a later walk that reaches one of its states (same address,
///   stack pointer, and frame pointer where the rest depends on it) and finds every word the last walk
///   read from there on unchanged has the same rest: those re-reads are independent loads, where walking
///   is a chain (address -> rule -> CFA -> next address) of ~15 cycles a frame. Deep stacks whose
///   outer part repeats (bash's interpreter loop) pay for their changing inner frames only.
struct FrameMemo {
    static constexpr unsigned kBits = 8;
    struct Entry {
        std::uintptr_t pc = 0;  ///< 0 = none
        FrameRule rule;
    };
    Entry entries[1u << kBits];

    static constexpr int kSteps = 80;
    struct Step {
        std::uintptr_t pc = 0, sp = 0, bp = 0;  ///< the state before the step
        std::uintptr_t cfa = 0;
        std::uintptr_t ret = 0;       ///< the word at cfa - 8: the step's return address
        std::uintptr_t saved_bp = 0;  ///< the word at cfa + rbp_offset, when the rule reads one
        std::uint64_t chain = 0;      ///< stack_hash chain of the frames from this step's on, to the walk's end
        std::int16_t rbp_offset = FrameRule::kRbpUnchanged;
        bool needs_bp = false;  ///< the walk from this state on depends on bp
        bool check_bp = false;  ///< the rest depends on the word at cfa + rbp_offset (a later CFA uses it)
    };
    enum End : std::uint8_t { kOutermost, kLowReturn, kLimit };
    struct Walk {
        int count = 0;  ///< steps that gave a frame; 0 = nothing to resume from
        End end = kLimit;  ///< kLowReturn: steps[count] is the step that read the end (verified too)
        Step steps[kSteps + 1];
    };
    Walk walks[2];
    int last = 0;  ///< walks[last] is the last walk; the next one is written into the other
    std::uint64_t resumed = 0;  ///< walks that resumed the last one (for the tests)
    /// walks[last] is the walk that gave the frames of the last call (its steps' chains hold their hash):
    /// false after a walk that did not go through the memo.
    bool chains_valid = false;
    /// What the caller made of the last walk's frames (the stack capture: their stack id), 0 = nothing.
    /// While it is set, a walk that gives exactly the last walk's frames (it resumed the last walk at its
    /// first state, every word read back unchanged) returns kRepeatedWalk and writes no frames: a loop
    /// that allocates from one place pays for the check of its stack only. Any other walk clears it.
    std::uint32_t repeat_tag = 0;
};

/// walk_frames' result when the frames are the last walk's and `memo->repeat_tag` is set.
inline constexpr int kRepeatedWalk = -2;

/// StackDepot::hash of frames [first, n) of the last walk, which gave n frames, from the memo's chains;
/// 0 when the memo does not hold that walk.
inline std::uint32_t hash_of_last_walk(const FrameMemo& memo, int first, int n) {
    const FrameMemo::Walk& walk = memo.walks[memo.last];
    if (!memo.chains_valid || walk.count != n || first < 0 || first >= n) return 0;
    return stack_hash::finish(walk.steps[first].chain, static_cast<std::size_t>(n - first));
}

/// Maps the rule table (once, from the tracker's init; without it every rule is read anew).
void initialize_frame_walk();

/// Up to `max` return addresses of the caller's stack, outermost last: the first is the return address
/// into the caller of `walk_frames`, as `unw_backtrace` called in its place would give them. `memo`: the
/// calling thread's own, or nullptr. kRepeatedWalk, with nothing written, when `memo->repeat_tag` is set
/// and the frames are the same as the last walk's (see FrameMemo::repeat_tag).
int walk_frames(void** out, int max, FrameMemo* memo = nullptr);

/// Stacks handed to libunwind so far (for tests and the benchmark: the fast path must be the common one).
std::uint64_t frame_walk_fallbacks();

/// LEAKSCOPE_TRACKER_CHECK_UNWIND=1: every captured stack is also taken from `unw_backtrace` and compared;
/// a difference is written to the program's stderr at once, the totals at exit (frame_walk_check.cpp).
/// For the tests that run real programs under the tracker; never on by default.
extern bool g_check_frame_walk;
/// `walk_frames` and `unw_backtrace` both, called from here; returns the walk's result (whose first
/// address is inside this function, a tracker frame like the rest the capture drops), the frames of a
/// repeat included: it never returns kRepeatedWalk.
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
