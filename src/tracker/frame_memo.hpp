// What a thread remembers of its walks (FrameMemo, in its counter slot) and the bookkeeping of its
// remembered steps: the index by state, which node to reuse, links mended after a reuse, and what a walk
// leaves behind (new steps linked, their bp flags and hash chains). The walk itself is frame_walk.cpp.
#pragma once

#include <cstdint>

#include "frame_rules.hpp"
#include "stack_hash.hpp"

namespace leakscope::tracker {

/// What one thread remembers between its walks (it lives in the thread's counter slot; only that
/// thread reads or writes it, and never from inside its own walk: the tracker's re-entrancy guard passes
/// a signal handler's allocations through untracked). Both parts are exact:
/// - a direct-mapped cache of unwind rules by address: the shared table has one address per cache line,
///   and programs with many distinct stacks (bash: 20% of the run in its look-ups) missed on every
///   frame. A rule depends on its address alone.
/// - the steps of its recent walks (512 of them, the least recently taken reused first), each with the state before it (address, stack
///   pointer, frame pointer), the words it read from the stack and a link to the step that followed it,
///   found again by (address, stack pointer). A walk is a function of its registers and of those words
///   alone, so a walk that reaches a remembered state (same address, stack pointer, and frame pointer
///   where the rest depends on it) and reads every word along the remembered links unchanged has the same
///   rest: those re-reads are independent loads, where walking is a chain (address -> rule -> CFA -> next
///   address) of ~15 cycles a frame. At the first word that changed, the walk goes on from that state
///   (which is right: every word before it was) and looks each new state up again, so a program that
///   alternates between a few call paths (bash's interpreter) resumes each from the walks before it,
///   not only from the last one.
struct FrameMemo {
    static constexpr unsigned kBits = 8;
    struct Entry {
        std::uintptr_t pc = 0;  ///< 0 = none
        FrameRule rule;
    };
    Entry entries[1u << kBits];

    /// The deepest walk remembered (deeper ones are walked without the memo).
    static constexpr int kSteps = 80;
    /// One remembered step: the state before it, what it read, and the step after it. No initializers:
    /// a zeroed node is empty (pc 0), so the thread's slot (pages from mmap) is touched only as steps are
    /// taken (tag, index and chains alike).
    struct Step {
        std::uintptr_t pc, sp, bp;  ///< the state before the step; pc 0 = an empty node
        std::uintptr_t ret;       ///< the word at cfa - 8: the step's return address
        std::uintptr_t saved_bp;  ///< the word at cfa + rbp_offset, when the rule reads one
        std::uintptr_t cfa;       ///< the rule's CFA in this state
        std::int16_t rbp_offset;  ///< the rule's: the caller's rbp at cfa + rbp_offset
        std::uint16_t next;       ///< the node of the step after this one, when next_stamp is even
        /// That node's stamp when linked (a node reused since is no link); odd (kNoLink) = none remembered:
        /// stamps are even, so the walk's one test of a link is the stamp's.
        std::uint16_t next_stamp;
        std::uint16_t stamp;      ///< bumped by 2 each time the node is reused (always even)
        std::uint16_t used;       ///< the walk (FrameMemo::walks) that last took this step
        std::uint8_t flags;
        enum : std::uint8_t {
            kNeedsBp = 1,      ///< the walk from this state on along the links depends on bp
            kCheckBp = 2,      ///< the linked rest depends on the word at cfa + rbp_offset
            kChainValid = 4,   ///< FrameMemo::chains holds the linked frames' chain to a natural end
            kLastFrame = 8,    ///< the step after this one is the outermost frame (no frame, nothing read)
            kLowReturn = 16,   ///< ret < 0x4000: this step ends the walk (where libunwind stops too)
            kCfaFromBp = 32,   ///< the rule takes the CFA from rbp
        };
    };
    static_assert(sizeof(Step) == 64, "one cache line a step");
    static constexpr std::uint16_t kNoLink = 1;  ///< Step::next_stamp of a step with no link
    static constexpr unsigned kNodeBits = 9;
    static constexpr unsigned kNodes = 1u << kNodeBits;
    static constexpr unsigned kIndexBits = 10;
    Step nodes[kNodes];
    /// stack_hash chain of each step's frame and the linked ones after it (Step::kChainValid); apart from
    /// the steps, which a walk that follows links reads without it.
    std::uint64_t chains[kNodes];
    std::uint16_t index[1u << kIndexBits];  ///< by (pc, sp): a node + 1, 0 = none
    std::uint16_t cursor = 0;  ///< where the search for a node to reuse goes on (a clock over the nodes)
    std::uint16_t walks = 0;   ///< walks through the memo (mod 2^16), for Step::used
    /// What the stack capture made of the frames of the walk from each node along its links (tag_last_walk).
    struct Tag {
        std::uint32_t id;
        std::uint16_t stamp;
        std::uint16_t epoch;  ///< tag_epoch when tagged
    };
    /// Bumped when a step is relinked in place (below the steps linked to it, other frames than those its
    /// walks were tagged with may follow, with the same chain): every tag made before is void.
    std::uint16_t tag_epoch = 0;
    Tag tags[kNodes];

    enum End : std::uint8_t { kOutermost, kLowReturn, kLimit };
    /// The last walk: its nodes by depth (the step ending it with a low return address included).
    std::uint16_t path[kSteps + 1] = {};
    int path_count = 0;   ///< frames of the last walk; 0 after a walk that did not go through the memo
    int chains_from = 0;  ///< its frames [i, path_count) for i >= chains_from have their chain in the nodes
    /// The last walk ended naturally (not at its limit) and each of its nodes links to the next: its
    /// nodes' flags say which saved rbp words the walk depends on, so repeating it checks the path alone.
    bool path_linked = false;
    int path_nodes = 0;  ///< the last walk's nodes: path_count, and the step that read a low return address
    std::uint64_t resumed = 0;  ///< walks that resumed a remembered step (for the tests)
    std::uint64_t stepped = 0;  ///< steps taken with the rule, not remembered (for the tests)
    /// Set by a walk whose frames are exactly those of a remembered walk that the caller tagged
    /// (tag_last_walk): the tag, else 0. The frames are written all the same, unless repeat_tag_only.
    std::uint32_t repeated_tag = 0;

    /// Set by a caller that takes the tag of a trace and not its frames (the stack capture, outside check
    /// mode and CPython targets): a walk answered from a trace then writes no frames. False: it does.
    bool repeat_tag_only = false;
    /// Set by a caller that never tags its walks (the stack capture on CPython targets, whose spliced
    /// Python frames change under the same native frames): its walks make no traces.
    bool make_traces = true;

    /// Whole walks as flat lists of the stack words they read (traces), by their first state: a walk from
    /// the same registers (rbp only where the frames depend on it) that reads each word back unchanged
    /// takes the same steps, so it has that walk's frames, and the stack id the capture tagged them with.
    /// The walk checks them first: independent loads and compares, no index look-up, no node, no link
    /// (~5 instructions a word, against ~27 a step following links). Every walk through the nodes that
    /// ends naturally within kTraceSteps frames makes one, tagged by the capture (tag_last_walk); only
    /// tagged traces answer. A trace is exact on its own (the words, not the nodes it was read from), so
    /// it stays right when the nodes are reused. Set-associative by the first stack pointer: a program
    /// allocates from a few stack depths, several call paths at each (bash: ~480 distinct walks, ~4 for
    /// each first stack pointer; 32 sets of 8 answered 99.5% of its walks in a simulation of them).
    static constexpr int kTraceSteps = 32;
    static constexpr int kTraceBpWords = 4;  ///< saved rbp words a trace checks (frame-pointer frames)
    static constexpr unsigned kTraceWays = 8;
    static constexpr unsigned kTraceSetBits = 5;
    /// A trace's first state is walk_frames' (its address the same in every walk): the first stack
    /// pointer, and rbp where the frames depend on it. 512 bytes: a trace is found by a shift.
    struct Trace {
        std::uintptr_t bp;
        std::uint32_t tag;      ///< 0 = not tagged (yet)
        std::uint8_t steps;     ///< return-address words read (the frames, and a low return address)
        std::uint8_t frames;    ///< the walk's frames (below its limit: it ended naturally)
        bool needs_bp;          ///< the steps depend on the first state's rbp
        std::uint8_t bp_words;  ///< saved rbp words checked
        std::uint32_t bp_steps; ///< bit i: the step i's saved rbp word is checked (after its return address)
        std::int32_t at[kTraceSteps];  ///< step i's return address at the first stack pointer + at[i]
        std::int32_t bp_at[kTraceBpWords];
        std::uintptr_t ret[kTraceSteps];
        std::uintptr_t bp_value[kTraceBpWords];
        std::uint8_t unused[512 - 24 - 4 * (kTraceSteps + kTraceBpWords) - 8 * (kTraceSteps + kTraceBpWords)];
    };
    static_assert(sizeof(Trace) == 512);
    struct TraceSet {
        /// Each way's first stack pointer once tagged (the one test of a way that answers nothing); 0 =
        /// empty, or not tagged yet.
        std::uintptr_t sp[kTraceWays];
        std::uint8_t last_way;  ///< the way that answered or was made last: tried first
        /// trace_clock when each way's trace was last made or answered. Here, not in the trace: the set's
        /// line is written at every answer anyway (last_way), and a trace once made is then only read, so
        /// a program that forks does not copy the page of every trace it answers from after each fork
        /// (a shell: ~19 pages a fork under full tracking).
        std::uint16_t used[kTraceWays];
    };
    std::uint16_t trace_clock = 0;
    /// The trace that answered or was tagged last and its first stack pointer (0 = none): walk_frames
    /// tries it before the set (a loop allocating from one place).
    Trace* last_trace = nullptr;
    std::uintptr_t last_trace_sp = 0;
    /// The trace the last walk made (for tag_last_walk), else null; the last walk through the memo was a
    /// trace's answer or made one, never both.
    Trace* made_trace = nullptr;
    TraceSet* made_set = nullptr;
    std::uint8_t made_way = 0;
    std::uintptr_t made_sp = 0;
    /// Last: a walk touches one set's header and the traces it checks.
    TraceSet trace_sets[1u << kTraceSetBits];
    Trace traces[kTraceWays << kTraceSetBits];  ///< set s, way w at s * kTraceWays + w
    Trace& trace(unsigned set, unsigned way) { return traces[set * kTraceWays + way]; }
    /// `trace` answered a walk: the most recently used of its set.
    void mark_used(const Trace& trace) {
        const auto index = static_cast<unsigned>(&trace - traces);
        trace_sets[index / kTraceWays].used[index % kTraceWays] = ++trace_clock;
    }
};

/// The set of a walk's traces: the first stack pointer above its 16-byte alignment, multiplied (the low
/// bits alone crowded bash's ~120 first stack pointers into fewer sets: 318.4 M instructions against 314.8 M).
inline unsigned trace_set_of(std::uintptr_t sp) {
    return static_cast<unsigned>(((sp >> 4) * 0x9e3779b97f4a7c15ull) >> (64 - FrameMemo::kTraceSetBits));
}

/// The caller records what it made of the last walk's frames (the stack capture: their stack id, never
/// 0): a later walk with exactly these frames (from the same state, every word read back unchanged) sets
/// `repeated_tag` to it, from the trace the walk made or from its first node. Nothing is recorded for a
/// walk cut at its limit, nor on the nodes for one not linked end to end.
void tag_last_walk(FrameMemo& memo, std::uint32_t tag);

/// After a walk through the nodes from walk_frames' (sp, bp) that ended naturally (the memo's path is its steps,
/// the stack still as it read it): makes it a trace, untagged, in place of its set's least recently used.
/// Nothing when it is deeper than kTraceSteps or a word lies out of a trace's reach.
void make_trace(FrameMemo& memo, std::uintptr_t sp, std::uintptr_t bp);

/// StackDepot::hash of frames [first, n) of the last walk, which gave n frames, from the memo's chains;
/// 0 when the memo does not hold that walk's chain from `first`.
std::uint32_t hash_of_last_walk(const FrameMemo& memo, int first, int n);

namespace frame_memo {

using Step = FrameMemo::Step;
constexpr unsigned kNodeMask = FrameMemo::kNodes - 1;

/// The index's slot of a state: a multiply, its top bits (stack pointers of one thread differ in their
/// low bits, addresses in theirs).
inline unsigned index_slot(std::uintptr_t pc, std::uintptr_t sp) {
    return static_cast<unsigned>(((pc ^ (sp << 16)) * 0x9e3779b97f4a7c15ull) >> (64 - FrameMemo::kIndexBits));
}

/// The remembered step from state (pc, sp, bp), or -1: the index has two ways per state (a state
/// reached from several callers has a step for each), the later match first.
inline int find_state(const FrameMemo& memo, std::uintptr_t pc, std::uintptr_t sp, std::uintptr_t bp, int other_than = -1) {
    const unsigned slot = index_slot(pc, sp);
    for (unsigned way = 0; way < 2; ++way) {
        const unsigned plus_one = memo.index[slot ^ way];
        if (plus_one == 0) continue;
        const unsigned node = plus_one - 1;
        const Step& step = memo.nodes[node];
        if (step.pc != pc || step.sp != sp || ((step.flags & Step::kNeedsBp) && step.bp != bp)) continue;
        if (static_cast<int>(node) == other_than) continue;
        return static_cast<int>(node);
    }
    return -1;
}

/// A node to reuse (see frame_memo.cpp), or -1 when none may be: then the walk is not remembered.
int take_node(FrameMemo& memo);
/// Puts `node` into the index for its state.
void index_node(FrameMemo& memo, unsigned node);
/// `step` lost its link (the node after it was reused) and `next` is remembered from its successor state.
void relink(FrameMemo& memo, Step& step, int next);

}  // namespace frame_memo
}  // namespace leakscope::tracker
