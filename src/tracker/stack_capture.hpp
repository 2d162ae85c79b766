// Captures the call stack of an allocation as libunwind's DWARF-based local unwinder gives it (correct for
// code built without frame pointers, the Debian default) through the tracker's cache of unwind rules
// (frame_walk.hpp), drops the tracker's own frames, and interns it.
#pragma once

#include <cstdint>

#include "frame_walk.hpp"
#include "protocol.hpp"
#include "python_frames.hpp"
#include "stack_depot.hpp"
#include "thread_counters.hpp"

namespace leakscope::tracker {

/// One-time set-up (the unwind rule table, libunwind's per-thread caches for the stacks it still walks,
/// the address range of this library). Runs inside init.
void initialize_stack_capture();

/// Address range of the tracker library: frames in it belong to the hooks, not to the program.
extern std::uintptr_t g_self_start;
extern std::uintptr_t g_self_end;

/// The id of the current call stack, the frames of the tracker excluded. Inline, so that it adds no
/// frame of its own to unwind through.
__attribute__((always_inline)) inline LocalStackId capture_stack(StackDepot& depot) {
    constexpr int kSelfFramesAllowance = 8;
    void* raw[wire::kMaxFrames + kSelfFramesAllowance];
    constexpr int kRaw = static_cast<int>(sizeof(raw) / sizeof(raw[0]));
    // CPython: the native part of a stack ends at the interpreter's eval loop, usually within a few
    // frames; only when it is deeper than that first try is the whole native stack unwound.
    constexpr int kPythonFirstTry = 24;
    const bool python = python::active();
    ThreadSlot* const slot = claimed_slot();
    FrameMemo* const memo = slot ? &slot->frame_memo : nullptr;
    int (*const walk)(void**, int, FrameMemo*) = g_check_frame_walk ? walk_frames_checked : walk_frames;
    if (memo) {
        memo->repeat_tag_only = !python && !g_check_frame_walk;  // the test just below
        memo->make_traces = !python;  // CPython's walks are never tagged (below)
    }
    int n = walk(raw, python ? kPythonFirstTry : kRaw, memo);
    // The frames of a walk this thread made before, whose stack id it tagged them with (never for CPython
    // targets, whose spliced Python frames change under the same native frames). In check mode the frames
    // are interned all the same and the id compared below.
    if (memo && memo->repeated_tag && !python && !g_check_frame_walk) return memo->repeated_tag;
    if (python && n == kPythonFirstTry && !python::reaches_eval_loop(reinterpret_cast<const std::uint64_t*>(raw),
                                                                        static_cast<std::size_t>(n)))
        n = walk(raw, kRaw, memo);
    int first = 0;
    while (first < n) {
        auto ip = reinterpret_cast<std::uintptr_t>(raw[first]);
        if (ip < g_self_start || ip >= g_self_end) break;
        ++first;
    }
    int count = n - first;
    if (python) {  // CPython: the frames beyond the eval loop become the Python frames it ran
        const std::size_t room = sizeof(raw) / sizeof(raw[0]) - static_cast<std::size_t>(first);
        count = static_cast<int>(python::splice(reinterpret_cast<std::uint64_t*>(raw + first),
                                                static_cast<std::size_t>(count), room));
    }
    if (count > static_cast<int>(wire::kMaxFrames)) count = static_cast<int>(wire::kMaxFrames);
    if (count <= 0) return kUnknownStack;
    const auto* frames = reinterpret_cast<const std::uint64_t*>(raw + first);
    if (!slot) return depot.intern(frames, static_cast<std::size_t>(count));
    if (python) return slot->stack_memo.intern(depot, frames, static_cast<std::size_t>(count));
    // The hash from the walk's memo, which hashed only the frames it did not resume, when the frames are
    // the walk's own from `first` to its end (not cut at kMaxFrames).
    const std::uint32_t hash = count == n - first ? hash_of_last_walk(*memo, first, n) : 0;
    if (g_check_frame_walk && hash) check_stack_hash(hash, StackDepot::hash(frames, static_cast<std::size_t>(count)));
    const LocalStackId id = slot->stack_memo.intern(depot, frames, static_cast<std::size_t>(count), hash);
    if (g_check_frame_walk && memo->repeated_tag) check_repeated_stack(memo->repeated_tag, id);
    if (id != kUnknownStack) tag_last_walk(*memo, id);
    return id;
}

}  // namespace leakscope::tracker
