// The bookkeeping of a thread's remembered steps (frame_memo.hpp).
#include "frame_memo.hpp"

#include <bit>

namespace leakscope::tracker {
namespace frame_memo {

/// A node to reuse: the least recently taken of the next kLook after the cursor (a step in use is kept
/// however old it is), never one of this walk's (their `used` is this walk), so no node of this walk's
/// path is overwritten before it ends. -1 when all of them are this walk's (then it is not remembered).
int take_node(FrameMemo& memo) {
    constexpr unsigned kLook = 8;
    int best = -1;
    std::uint16_t best_age = 0;
    for (unsigned i = 0; i < kLook; ++i) {
        const unsigned node = (memo.cursor + i) & kNodeMask;
        const auto age = static_cast<std::uint16_t>(memo.walks - memo.nodes[node].used);
        if (age > best_age) best = static_cast<int>(node), best_age = age;
    }
    memo.cursor = static_cast<std::uint16_t>((memo.cursor + 1) & kNodeMask);
    return best;
}

/// Puts `node` into the index for its state: into the way that holds no step of this state or the one
/// least recently taken.
void index_node(FrameMemo& memo, unsigned node) {
    const Step& step = memo.nodes[node];
    const unsigned slot = index_slot(step.pc, step.sp);
    std::uint16_t& first = memo.index[slot];
    std::uint16_t& second = memo.index[slot ^ 1];
    const auto age = [&](std::uint16_t plus_one) {
        return plus_one == 0 ? 0xffff : static_cast<std::uint16_t>(memo.walks - memo.nodes[plus_one - 1].used);
    };
    (age(first) >= age(second) ? first : second) = static_cast<std::uint16_t>(node + 1);
}

/// `step` lost its link (the node after it was reused) and `next` is remembered from its successor state:
/// links them. When the step's bp flags and chain come out as they were, the steps linked to it stay
/// right as they are (their flags and chains depend on those alone) and only the tags are voided;
/// otherwise the step becomes a new node (its stamp bumped: whatever linked to it no longer does).
void relink(FrameMemo& memo, Step& step, int next) {
    const Step& after = memo.nodes[next];
    std::uint8_t flags = step.flags & Step::kCfaFromBp ? (Step::kCfaFromBp | Step::kNeedsBp) : 0;
    if (after.flags & Step::kNeedsBp) flags |= step.rbp_offset != FrameRule::kRbpUnchanged ? Step::kCheckBp : Step::kNeedsBp;
    if (after.flags & Step::kChainValid) flags |= Step::kChainValid;
    const std::uint64_t chain = stack_hash::step(memo.chains[next], step.ret);
    const unsigned node = static_cast<unsigned>(&step - memo.nodes);
    step.next = static_cast<std::uint16_t>(next);
    step.next_stamp = after.stamp;
    if (flags == step.flags && (!(flags & Step::kChainValid) || chain == memo.chains[node])) {
        ++memo.tag_epoch;
        return;
    }
    step.flags = flags;
    memo.chains[node] = chain;
    step.stamp = static_cast<std::uint16_t>(step.stamp + 2);
}

}  // namespace frame_memo

void tag_last_walk(FrameMemo& memo, std::uint32_t tag) {
    if (memo.made_trace) {  // the trace answers from now on
        memo.made_trace->tag = tag;
        memo.made_set->sp[memo.made_way] = memo.made_sp;
        memo.last_trace = memo.made_trace;
        memo.last_trace_sp = memo.made_sp;
        memo.made_trace = nullptr;
    }
    // Linked end to end from the first node with valid chains: the first node's links give these frames.
    if (memo.path_count == 0 || memo.chains_from != 0) return;
    const unsigned node = memo.path[0];
    memo.tags[node] = FrameMemo::Tag{tag, memo.nodes[node].stamp, memo.tag_epoch};
}

void make_trace(FrameMemo& memo, std::uintptr_t sp, std::uintptr_t bp) {
    const int nodes = memo.path_nodes;  // the step that read a low return address included
    if (memo.path_count == 0 || nodes > FrameMemo::kTraceSteps) return;
    // Which saved rbp words the steps depend on, from the outermost step in: a step whose CFA comes from
    // rbp needs its state's rbp, which is the word the step before it saved (if it read one) or that
    // step's own state's rbp. After the last step nothing is read.
    std::uint32_t check_saved_bp = 0;
    int words_to_check = 0;  // counted here, not by std::popcount: a libgcc call without -mpopcnt (cxx_runtime.hpp)
    bool needs_bp = false;
    for (int i = nodes - 1; i >= 0; --i) {
        const frame_memo::Step& step = memo.nodes[memo.path[i]];
        if (step.rbp_offset != FrameRule::kRbpUnchanged) {
            if (needs_bp) {
                check_saved_bp |= std::uint32_t{1} << i;
                ++words_to_check;
            }
            needs_bp = false;
        }
        if (step.flags & frame_memo::Step::kCfaFromBp) needs_bp = true;
    }
    if (words_to_check > FrameMemo::kTraceBpWords) return;
    const unsigned set_index = trace_set_of(sp);
    FrameMemo::TraceSet& set = memo.trace_sets[set_index];
    unsigned victim = 0;
    std::uint16_t oldest = 0;
    for (unsigned way = 0; way < FrameMemo::kTraceWays; ++way) {
        if (set.sp[way] == 0) {  // empty, or never tagged
            victim = way;
            break;
        }
        const auto age = static_cast<std::uint16_t>(memo.trace_clock - set.used[way]);
        if (age >= oldest) victim = way, oldest = age;
    }
    FrameMemo::Trace& trace = memo.traces[set_index * FrameMemo::kTraceWays + victim];
    set.sp[victim] = 0;  // answers nothing until tagged
    trace.tag = 0;
    if (memo.last_trace == &trace) memo.last_trace_sp = 0;
    // The words as the walk read them: a node's return address was compared or read by this walk, a saved
    // rbp the rest depends on was read by it (or compared) and lies in a frame still live above this one.
    const auto offset = [sp](std::uintptr_t address, std::int32_t& out) {
        const std::uintptr_t delta = address - sp;
        if (delta > 0x7fffffffu) return false;  // not above the first stack pointer within 2 GiB
        out = static_cast<std::int32_t>(delta);
        return true;
    };
    int bp_words = 0;
    for (int i = 0; i < nodes; ++i) {
        const frame_memo::Step& step = memo.nodes[memo.path[i]];
        if (!offset(step.cfa - 8, trace.at[i])) return;
        if (*reinterpret_cast<const std::uintptr_t*>(step.cfa - 8) != step.ret) return;  // never, if the walk was right
        trace.ret[i] = step.ret;
        if ((check_saved_bp >> i) & 1) {
            const std::uintptr_t at = step.cfa + static_cast<std::intptr_t>(step.rbp_offset);
            if (!offset(at, trace.bp_at[bp_words])) return;
            trace.bp_value[bp_words++] = *reinterpret_cast<const std::uintptr_t*>(at);
        }
    }
    trace.bp = bp;
    trace.steps = static_cast<std::uint8_t>(nodes);
    trace.frames = static_cast<std::uint8_t>(memo.path_count);
    trace.needs_bp = needs_bp;
    trace.bp_words = static_cast<std::uint8_t>(bp_words);
    trace.bp_steps = check_saved_bp;
    set.used[victim] = ++memo.trace_clock;
    set.last_way = static_cast<std::uint8_t>(victim);
    memo.made_trace = &trace;
    memo.made_set = &set;
    memo.made_way = static_cast<std::uint8_t>(victim);
    memo.made_sp = sp;
}

std::uint32_t hash_of_last_walk(const FrameMemo& memo, int first, int n) {
    if (n != memo.path_count || first < memo.chains_from || first < 0 || first >= n) return 0;
    return stack_hash::finish(memo.chains[memo.path[first]], static_cast<std::size_t>(n - first));
}

}  // namespace leakscope::tracker
