#include "frame_walk.hpp"

#include <atomic>
#include <bit>
#include <cstring>

#include "frame_memo.hpp"
#include "frame_rules.hpp"
#include "libunwind_loader.hpp"
#include "os.hpp"

namespace leakscope::tracker {
namespace {

// Key 0 = empty; a key with kPending set is being filled (readers treat it as another address).
struct Slot {
    std::atomic<std::uint64_t> key;
    std::atomic<std::uint64_t> rule;
};
constexpr unsigned kSlotBits = 15;  // 32768 addresses, 512 KiB of pages touched only as they fill
constexpr std::uint64_t kSlotMask = (1u << kSlotBits) - 1;
constexpr int kProbes = 16;
constexpr std::uint64_t kPending = 1ull << 63;  // user-space addresses stay below 2^47

constinit std::atomic<Slot*> g_slots LEAKSCOPE_STARTUP_DATA{nullptr};
constinit std::atomic<std::uint64_t> g_fallbacks{0};

std::uint64_t pack(FrameRule rule) { return std::bit_cast<std::uint64_t>(rule); }
FrameRule unpack(std::uint64_t word) { return std::bit_cast<FrameRule>(word); }

FrameRule rule_for(std::uintptr_t pc) {
    Slot* slots = g_slots.load(std::memory_order_acquire);
    if (!slots) return frame_rule_at(pc);
    const std::uint64_t first = (pc * 0x9e3779b97f4a7c15ull) >> (64 - kSlotBits);
    for (int i = 0; i < kProbes; ++i) {
        Slot& slot = slots[(first + static_cast<std::uint64_t>(i)) & kSlotMask];
        std::uint64_t key = slot.key.load(std::memory_order_acquire);
        if (key == pc) return unpack(slot.rule.load(std::memory_order_relaxed));
        if (key != 0) continue;
        // Read the rule first (a signal handler may interrupt this and walk too: it then just finds
        // the slot pending and reads the rule itself), then publish it: rule before key.
        const FrameRule rule = frame_rule_at(pc);
        if (slot.key.compare_exchange_strong(key, pc | kPending, std::memory_order_acq_rel)) {
            slot.rule.store(pack(rule), std::memory_order_relaxed);
            slot.key.store(pc, std::memory_order_release);
        }
        return rule;
    }
    return frame_rule_at(pc);  // a crowded neighbourhood: correct, only slower
}

/// The memo's entry for `pc`, filled from the shared table when it held another address. The index is
/// a shift and an xor, not a multiply: the look-up is on the walk's critical path (address -> rule ->
/// CFA -> next address), whose latency is most of a deep stack's cost.
inline const FrameMemo::Entry& entry_of(std::uintptr_t pc, FrameMemo& memo) {
    FrameMemo::Entry& entry = memo.entries[(pc ^ (pc >> FrameMemo::kBits)) & ((1u << FrameMemo::kBits) - 1)];
    if (__builtin_expect(entry.pc == pc, 1)) return entry;
    const FrameRule rule = rule_for(pc);
    // A signal handler on this thread that walks between these stores finds pc 0: no match.
    entry.pc = 0;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    entry.rule = rule;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    entry.pc = pc;
    return entry;
}

/// The walk with the plain rules from `pc` (this frame's own address) and its sp and bp; -1 at a frame
/// the plain rules do not cover.
template <typename RuleOf>
__attribute__((always_inline)) inline int walk_plain(void** out, int max, std::uintptr_t pc, std::uintptr_t sp,
                                                     std::uintptr_t bp, RuleOf rule_of) {
    int depth = 0;
    while (depth < max) {
        decltype(auto) rule = rule_of(pc);
        if (rule.kind == FrameRule::kOutermost) return depth;
        if (rule.kind != FrameRule::kStandard) return -1;
        const std::uintptr_t cfa = (rule.cfa_from_rsp ? sp : bp) + static_cast<std::intptr_t>(rule.cfa_offset);
        const std::uintptr_t ret = *reinterpret_cast<const std::uintptr_t*>(cfa - 8);
        if (rule.rbp_offset != FrameRule::kRbpUnchanged)
            bp = *reinterpret_cast<const std::uintptr_t*>(cfa + static_cast<std::intptr_t>(rule.rbp_offset));
        sp = cfa;
        if (ret < 0x4000) return depth;  // where libunwind's walk stops too (nothing sensible beyond)
        out[depth++] = reinterpret_cast<void*>(ret);
        pc = ret - 1;  // a caller's row is looked up at its call instruction, as libunwind does
    }
    return depth;
}

using namespace frame_memo;

inline bool linked_to(const FrameMemo& memo, const Step& step, unsigned node) {
    return step.next == node && memo.nodes[node].stamp == step.next_stamp;
}

/// After a walk through the memo (true when every node of it links to the next, to a natural end): the new nodes link to the ones after them in the walk and get their bp
/// flags and chains (from the outermost in), and `chains_from` says from which frame on the nodes' chains
/// are this walk's (linked to the end, a natural end, each chain valid). `tail`: from there on the walk's
/// nodes are remembered ones, each reached by the link of the one before it (their flags stay as they
/// are, and their chains are valid all or none).
bool commit(FrameMemo& memo, int nodes_in_path, FrameMemo::End end, const std::uint64_t* is_new, int tail) {
    bool all_linked = end != FrameMemo::kLimit;
    const Step* after = tail < nodes_in_path ? &memo.nodes[memo.path[tail]] : nullptr;
    bool chain_ok = end != FrameMemo::kLimit && (!after || (after->flags & Step::kChainValid));
    bool later_needs_bp = after && (after->flags & Step::kNeedsBp);
    std::uint64_t chain = after ? memo.chains[memo.path[tail]] : stack_hash::kEmpty;
    memo.chains_from = chain_ok ? tail : nodes_in_path;
    for (int i = tail - 1; i >= 0; --i) {
        const unsigned node = memo.path[i];
        Step& step = memo.nodes[node];
        const bool last = i + 1 == nodes_in_path;
        if ((is_new[i >> 6] >> (i & 63)) & 1) {
            if (!last) {
                step.next = memo.path[i + 1];
                step.next_stamp = memo.nodes[memo.path[i + 1]].stamp;
            } else if (end == FrameMemo::kOutermost) {
                step.flags |= Step::kLastFrame;
            }
            const bool reads_bp = step.rbp_offset != FrameRule::kRbpUnchanged;
            if (later_needs_bp) step.flags |= reads_bp ? Step::kCheckBp : Step::kNeedsBp;
            if (!(step.flags & Step::kLowReturn)) chain = stack_hash::step(chain, step.ret);
            memo.chains[node] = chain;
            if (chain_ok) step.flags |= Step::kChainValid;
        } else {
            const bool linked = last ? (end == FrameMemo::kLowReturn || (step.flags & Step::kLastFrame))
                                     : linked_to(memo, step, memo.path[i + 1]);
            all_linked = all_linked && linked;
            chain_ok = chain_ok && linked && (step.flags & Step::kChainValid);
            chain = memo.chains[node];
        }
        later_needs_bp = step.flags & Step::kNeedsBp;
        if (chain_ok) memo.chains_from = i;
    }
    return all_linked;
}

/// Whether the words of `trace` (from the state of its first stack pointer `sp`) read back unchanged, in
/// the order the walk read them (each address was computed from the registers and the words before it,
/// so a load is made only where the walk itself would read).
__attribute__((always_inline)) inline bool reads_back(const FrameMemo::Trace& trace, std::uintptr_t sp) {
    const auto word = [sp](std::int32_t at) { return *reinterpret_cast<const std::uintptr_t*>(sp + at); };
    const std::int32_t* at = trace.at;
    const std::uintptr_t* ret = trace.ret;
    if (__builtin_expect(trace.bp_words == 0, 1)) {
        // Two words a turn, the second read only once the first matched (5.5 instructions a word against 7).
        const std::uintptr_t* const pairs_end = ret + (trace.steps & ~1u);
        for (; ret != pairs_end; at += 2, ret += 2) {
            if (word(at[0]) != ret[0]) return false;
            if (word(at[1]) != ret[1]) return false;
        }
        return !(trace.steps & 1u) || word(*at) == *ret;
    }
    const std::uintptr_t* const end = ret + trace.steps;
    for (int step = 0, bp_word = 0; ret != end; ++at, ++ret, ++step) {
        if (word(*at) != *ret) return false;
        if (!((trace.bp_steps >> step) & 1)) continue;
        if (word(trace.bp_at[bp_word]) != trace.bp_value[bp_word]) return false;
        ++bp_word;
    }
    return true;
}

/// The walk from (sp, bp) answered by `trace` (FrameMemo::trace_sets), a tagged one of the same first stack
/// pointer, when it is one of this walk: its frame count, the frames written when `write_frames`; -1 when
/// it is not.
template <bool write_frames>
__attribute__((always_inline)) inline int answer_from_trace(void** out, int max, std::uintptr_t sp, std::uintptr_t bp,
                                                            FrameMemo& memo, FrameMemo::Trace& trace) {
    if ((trace.needs_bp && trace.bp != bp) || trace.frames >= max || !reads_back(trace, sp)) return -1;
    if (write_frames) std::memcpy(out, trace.ret, sizeof(trace.ret[0]) * trace.frames);
    memo.mark_used(trace);
    memo.repeated_tag = trace.tag;
    // Not a walk through the nodes: the next one does not resume it as the last walk.
    memo.path_count = 0;
    memo.path_linked = false;
    ++memo.resumed;
    return trace.frames;
}

/// A walk that took exactly the steps of a walk the caller tagged (its first node still the one the tag
/// was given to) answers that tag.
__attribute__((always_inline)) inline void answer_tag(FrameMemo& memo) {
    const std::uint16_t first = memo.path[0];
    const FrameMemo::Tag& tag = memo.tags[first];
    if (tag.stamp != memo.nodes[first].stamp || tag.epoch != memo.tag_epoch) return;
    memo.repeated_tag = tag.id;
}

/// The walk with the plain rules and this thread's memo; -1 at a frame the plain rules do not cover. From
/// each state it takes the remembered step when its words read back unchanged, else it steps with the rule.
int walk_remembering(void** out, int max, std::uintptr_t pc, std::uintptr_t sp, std::uintptr_t bp, FrameMemo& memo) {
    const int last_count = memo.path_count;
    const bool last_linked = memo.path_linked && last_count < max;
    memo.repeated_tag = 0;
    memo.path_count = 0;
    memo.path_linked = false;
    const std::uint16_t walk = ++memo.walks;
    const std::uintptr_t pc0 = pc, sp0 = sp, bp0 = bp;
    std::uint64_t is_new[2] = {0, 0};  // which of the path's nodes this walk made
    std::uint16_t* const path = memo.path;
    Step* const nodes = memo.nodes;
    // bp as the walk goes, read lazily: a remembered step whose rest does not depend on the saved rbp does
    // not read it; bp is then the word at `bp_at`, read when a later state needs it.
    const std::uintptr_t* bp_at = nullptr;
    int depth = 0;
    int tail = 0;  // from path[tail] on, each node was reached by the link of a remembered one before it
    int nodes_made = 0;
    int retried = -1;  // the depth whose state's other remembered step was tried (after a changed word)
    bool only_links = true;   // every step so far was the first state's remembered one or linked from it
    FrameMemo::End end;
    // bp after the remembered steps path[from, depth) were taken: the word the last of them that reads a
    // saved rbp read (unchanged: the walk compared it if anything further on depends on it), else as before.
    const auto settle_bp = [&](int from) {
        for (int j = depth - 1; j >= from; --j) {
            const Step& step = nodes[path[j]];
            if (step.rbp_offset == FrameRule::kRbpUnchanged) continue;
            bp_at = reinterpret_cast<const std::uintptr_t*>(step.cfa + step.rbp_offset);
            return;
        }
    };
    int candidate = find_state(memo, pc, sp, bp);
    if (last_linked && candidate == path[0]) {
        // From the last walk's first state: its path, linked end to end and unchanged since (only walks
        // change nodes), read again in order: independent loads, no link to follow.
        const int last_nodes = memo.path_nodes;
        int i = 0;
        for (; i < last_nodes; ++i) {
            Step& step = nodes[path[i]];
            const std::uintptr_t cfa = step.cfa, ret = step.ret;
            if (*reinterpret_cast<const std::uintptr_t*>(cfa - 8) != ret ||
                ((step.flags & Step::kCheckBp) && *reinterpret_cast<const std::uintptr_t*>(cfa + step.rbp_offset) != step.saved_bp))
                break;
            step.used = walk;
            out[i] = reinterpret_cast<void*>(ret);  // the low return's too: below max, ignored
        }
        if (i == last_nodes) {
            memo.path_count = last_count;
            memo.path_nodes = last_nodes;
            memo.path_linked = true;
            ++memo.resumed;
            answer_tag(memo);
            return last_count;
        }
        // A word changed at step i: every word before it read back unchanged, so its state is this walk's
        // (bp: the last saved rbp on the way, or the walk's own); the walk goes on from there.
        depth = i;
        candidate = path[i];
        settle_bp(0);
    }
    for (;;) {
        if (depth == max) {
            end = FrameMemo::kLimit;
            break;
        }
        if (candidate >= 0) {
            // Remembered steps along their links, for as long as their words read back unchanged: the
            // walk's state is each one's (sp and pc are set again where the loop leaves).
            unsigned node = static_cast<unsigned>(candidate);
            const int entered = depth;
            bool looked_up = false;  // left at a step with no link: `candidate` is the next state's
            for (;;) {
                Step& step = nodes[node];
                const std::uintptr_t cfa = step.cfa, ret = step.ret;
                if (__builtin_expect(*reinterpret_cast<const std::uintptr_t*>(cfa - 8) != ret, 0)) break;
                const std::uint8_t flags = step.flags;
                if (__builtin_expect(flags & (Step::kLowReturn | Step::kLastFrame | Step::kCheckBp), 0)) {
                    if ((flags & Step::kCheckBp) &&
                        *reinterpret_cast<const std::uintptr_t*>(cfa + step.rbp_offset) != step.saved_bp)
                        break;
                    if (flags & Step::kLowReturn) {
                        step.used = walk;
                        path[depth] = static_cast<std::uint16_t>(node);
                        end = FrameMemo::kLowReturn;
                        goto done;
                    }
                    if (flags & Step::kLastFrame) {
                        step.used = walk;
                        path[depth] = static_cast<std::uint16_t>(node);
                        out[depth++] = reinterpret_cast<void*>(ret);
                        end = FrameMemo::kOutermost;
                        goto done;
                    }
                }
                step.used = walk;
                path[depth] = static_cast<std::uint16_t>(node);
                out[depth++] = reinterpret_cast<void*>(ret);
                const unsigned next = step.next;
                if (__builtin_expect(nodes[next].stamp == step.next_stamp && depth != max, 1)) {
                    node = next;
                    continue;
                }
                // Where the links end the state is the step's successor; its rbp is the word the last
                // step of this run that read one read (not tracked per step: this loop is bash's hottest).
                settle_bp(entered);
                sp = cfa;
                pc = ret - 1;
                if (depth == max) {
                    end = FrameMemo::kLimit;
                    goto done;
                }
                only_links = false;  // nothing linked: the next state is looked up (or walked)
                tail = depth;
                if (bp_at) bp = *bp_at, bp_at = nullptr;
                candidate = find_state(memo, pc, sp, bp);
                if (candidate >= 0) relink(memo, step, candidate);
                looked_up = true;
                break;
            }
            if (looked_up) continue;
            // A word changed: this state is right (every word before it read back unchanged). Another
            // step remembered from it (another caller), else the step is taken anew. bp is this state's.
            settle_bp(entered);
            sp = nodes[node].sp;
            pc = nodes[node].pc;
            only_links = false;
            tail = depth + 1;
            if (bp_at) bp = *bp_at, bp_at = nullptr;
            // Once per state: two remembered steps that both differ would send each to the other.
            const int other = retried == depth ? -1 : find_state(memo, pc, sp, bp, static_cast<int>(node));
            retried = depth;
            if (other >= 0) {
                candidate = other;
                continue;
            }
            candidate = -1;
        }
        only_links = false;
        const FrameRule& rule = entry_of(pc, memo).rule;
        if (rule.kind == FrameRule::kOutermost) {
            end = FrameMemo::kOutermost;
            break;
        }
        if (rule.kind != FrameRule::kStandard) return -1;  // the nodes taken stay single steps, each exact
        const int taken = take_node(memo);
        if (taken < 0) {  // no node to spare: this walk is not remembered
            memo.path_count = 0;
            return walk_plain(out, max, pc0, sp0, bp0, [&memo](std::uintptr_t at) { return entry_of(at, memo).rule; });
        }
        Step& step = nodes[taken];
        ++nodes_made;
        ++memo.stepped;
        step.pc = pc, step.sp = sp, step.bp = bp;
        const std::uintptr_t cfa = (rule.cfa_from_rsp ? sp : bp) + static_cast<std::intptr_t>(rule.cfa_offset);
        step.cfa = cfa;
        step.rbp_offset = rule.rbp_offset;
        step.flags = rule.cfa_from_rsp ? 0 : Step::kCfaFromBp | Step::kNeedsBp;
        step.ret = *reinterpret_cast<const std::uintptr_t*>(cfa - 8);
        if (rule.rbp_offset != FrameRule::kRbpUnchanged)
            step.saved_bp = *reinterpret_cast<const std::uintptr_t*>(cfa + static_cast<std::intptr_t>(rule.rbp_offset));
        step.next = 0;
        step.next_stamp = FrameMemo::kNoLink;
        step.stamp = static_cast<std::uint16_t>(step.stamp + 2);
        step.used = walk;
        index_node(memo, static_cast<unsigned>(taken));
        path[depth] = static_cast<std::uint16_t>(taken);
        tail = depth + 1;
        is_new[depth >> 6] |= std::uint64_t{1} << (depth & 63);
        if (step.ret < 0x4000) {  // where libunwind's walk stops too
            step.flags |= Step::kLowReturn;
            end = FrameMemo::kLowReturn;
            break;
        }
        out[depth++] = reinterpret_cast<void*>(step.ret);
        if (rule.rbp_offset != FrameRule::kRbpUnchanged) bp = step.saved_bp;
        sp = cfa;
        pc = step.ret - 1;
        candidate = find_state(memo, pc, sp, bp);
    }
done:
    memo.path_count = depth;
    memo.path_nodes = depth + (end == FrameMemo::kLowReturn ? 1 : 0);
    if (nodes_made < depth + (end == FrameMemo::kLowReturn ? 1 : 0)) ++memo.resumed;
    const int nodes_in_path = depth + (end == FrameMemo::kLowReturn ? 1 : 0);
    if (only_links && end != FrameMemo::kLimit) {
        // Every step the remembered one, from the first state along the links to a natural end: the frames
        // of the walk that made the first node, whose chains are all valid or none of them.
        const Step& first = nodes[path[0]];
        memo.chains_from = first.flags & Step::kChainValid ? 0 : nodes_in_path;
        memo.path_linked = true;
        answer_tag(memo);
        return depth;
    }
    memo.path_linked = commit(memo, nodes_in_path, end, is_new, tail < nodes_in_path ? tail : nodes_in_path);
    return depth;
}

}  // namespace

void initialize_frame_walk() {
    if (g_slots.load(std::memory_order_acquire)) return;
    auto* slots = static_cast<Slot*>(os::map_pages(sizeof(Slot) << kSlotBits));
    Slot* expected = nullptr;
    if (slots && !g_slots.compare_exchange_strong(expected, slots)) os::unmap_pages(slots, sizeof(Slot) << kSlotBits);
}

std::uint64_t frame_walk_fallbacks() { return g_fallbacks.load(std::memory_order_relaxed); }

namespace {

constexpr int kCapacity = 128;

/// Every walk that is not answered by a trace, out of line (its frame saves registers and holds a buffer
/// for libunwind). The walk starts from walk_frames' state, whose frame stays as it was while this runs.
__attribute__((noinline)) int walk_anew(void** out, int max, std::uintptr_t ip, std::uintptr_t sp, std::uintptr_t bp,
                                        FrameMemo* memo) {
    const auto plain_rule = [](std::uintptr_t pc) { return rule_for(pc); };
    if (memo && max <= FrameMemo::kSteps) {
        const int depth = walk_remembering(out, max, ip, sp, bp, *memo);
        // Ended naturally through the nodes (the path is this walk's, the stack still as it read it).
        if (depth > 0 && depth < max && memo->path_count == depth && memo->make_traces) make_trace(*memo, sp, bp);
        if (depth != -1) return depth;
    } else {
        const int depth = walk_plain(out, max, ip, sp, bp, plain_rule);
        if (depth != -1) return depth;
    }
    // A frame the plain rules do not cover: the whole stack from libunwind. Called from here, its first
    // addresses are inside this function, inside walk_traced where the call to this one is no tail call
    // (AddressSanitizer's builds), and inside walk_frames: walk_frames' own output begins after them, at
    // its return address, which its own row gives (our code: always a plain one).
    g_fallbacks.fetch_add(1, std::memory_order_relaxed);
    const BacktraceFunction backtrace = libunwind_backtrace();
    if (!backtrace) {
        // Not loaded yet (libunwind_loader.hpp; never loaded from here): the stack ends at that frame.
        const auto until_other = [](std::uintptr_t pc) {
            FrameRule rule = rule_for(pc);
            if (rule.kind == FrameRule::kOther) rule.kind = FrameRule::kOutermost;
            return rule;
        };
        return walk_plain(out, max, ip, sp, bp, until_other);
    }
    constexpr int kOwnFrames = 3;  // at most
    void* raw[kCapacity + kOwnFrames];
    const int n = backtrace(raw, max + kOwnFrames);
    void* returns_to = nullptr;
    int skip = 2;  // this function and walk_frames, should its return address not be found
    if (walk_plain(&returns_to, 1, ip, sp, bp, plain_rule) == 1)
        for (int i = 0; i <= kOwnFrames && i < n; ++i)
            if (raw[i] == returns_to) {
                skip = i;
                break;
            }
    if (n <= skip) return 0;
    const int depth = std::min(n - skip, max);
    std::memcpy(out, raw + skip, static_cast<std::size_t>(depth) * sizeof(void*));
    return depth;
}

/// A walk answered by a trace of its set (other than the one walk_frames tried when the caller takes the
/// tag alone), else walk_anew (a tail call: the walk starts from walk_frames' state, not this frame's).
/// Out of walk_frames' small frame; called by it, not jumped to, since the walk reads that frame.
__attribute__((noinline)) int walk_traced(void** out, int max, std::uintptr_t ip, std::uintptr_t sp, std::uintptr_t bp,
                                          FrameMemo* memo) {
    if (memo && max <= FrameMemo::kSteps && memo->make_traces) {  // else it has no tagged ones
        const unsigned set_index = trace_set_of(sp);
        FrameMemo::TraceSet& set = memo->trace_sets[set_index];
        const bool write_frames = !memo->repeat_tag_only;
        // walk_frames tried the last trace for a caller that takes the tag alone.
        const FrameMemo::Trace* const tried = write_frames ? nullptr : memo->last_trace;
        for (unsigned k = 0, way = set.last_way; k < FrameMemo::kTraceWays; ++k, way = (way + 1) & (FrameMemo::kTraceWays - 1)) {
            if (set.sp[way] != sp) continue;  // only a tagged trace has its stack pointer here
            FrameMemo::Trace& trace = memo->traces[set_index * FrameMemo::kTraceWays + way];
            if (&trace == tried) continue;
            const int answered = write_frames ? answer_from_trace<true>(out, max, sp, bp, *memo, trace)
                                              : answer_from_trace<false>(out, max, sp, bp, *memo, trace);
            if (answered < 0) continue;
            set.last_way = static_cast<std::uint8_t>(way);
            memo->last_trace = &trace;
            memo->last_trace_sp = sp;
            return answered;
        }
    } else if (memo && max > FrameMemo::kSteps) {  // this walk does not become the memo's last
        memo->repeated_tag = 0;
        memo->path_count = 0;
        memo->path_linked = false;
    }
    return walk_anew(out, max, ip, sp, bp, memo);
}

}  // namespace

__attribute__((noinline)) int walk_frames(void** out, int max, FrameMemo* memo) {
    if (max > kCapacity) max = kCapacity;
    std::uintptr_t ip, sp, bp;
    // rbp is read first: the compiler may give rbp to one of the outputs (then it saved it, and the
    // unwind rule at `ip` says where). `ip` is the address right after this block, whose row applies.
    asm volatile("mov %%rbp, %2\n\tmov %%rsp, %1\n\tlea 0(%%rip), %0" : "=&r"(ip), "=&r"(sp), "=&r"(bp));
    if (memo) {
        memo->made_trace = nullptr;  // a trace is tagged only right after the walk that made it
        // The trace that answered or was tagged last, for a caller that takes its tag alone: a loop
        // allocating from one place is answered here, in this small frame.
        if (memo->last_trace_sp == sp && max <= FrameMemo::kSteps && memo->repeat_tag_only) {
            const int answered = answer_from_trace<false>(out, max, sp, bp, *memo, *memo->last_trace);
            if (answered >= 0) return answered;
        }
    }
    const int depth = walk_traced(out, max, ip, sp, bp, memo);
    // Not a tail call: the walk reads this frame (its return address, a saved rbp), which a tail call
    // would hand over to the callee's own frame.
    asm volatile("" : : "r"(depth) : "memory");
    return depth;
}

}  // namespace leakscope::tracker
