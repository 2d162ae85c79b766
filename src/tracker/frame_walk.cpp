#include "frame_walk.hpp"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <atomic>
#include <bit>
#include <cstring>

#include "frame_rules.hpp"
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

constinit std::atomic<Slot*> g_slots{nullptr};
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

/// Which of the steps before `end` have rests that depend on bp: a CFA taken from rbp, or an rbp passed
/// on unchanged to a step that needs it. `later`: whether the step at `end` needs it.
void mark_needs_bp(FrameMemo::Walk& walk, int end, bool later) {
    for (int i = end - 1; i >= 0; --i) {
        FrameMemo::Step& step = walk.steps[i];
        const bool reads_bp = step.rbp_offset != FrameRule::kRbpUnchanged;
        step.check_bp = reads_bp && later;
        step.needs_bp = step.needs_bp || (!reads_bp && later);
        later = step.needs_bp;
    }
}

/// The chains of steps [0, end) of `walk`, from the chain of step `end` (or of nothing, at the walk's end).
void chain_steps(FrameMemo::Walk& walk, int end) {
    std::uint64_t chain = end < walk.count ? walk.steps[end].chain : stack_hash::kEmpty;
    for (int i = end - 1; i >= 0; --i) walk.steps[i].chain = chain = stack_hash::step(chain, walk.steps[i].ret);
}

/// Resumes the last walk from its state `from`, reached by this walk at `depth` (its steps before that are
/// in `next`): every word the last walk read from there on is read again and must be unchanged. The
/// result becomes the memo's last walk. Returns the frames, or -1.
int resume(void** out, int depth, int max, FrameMemo& memo, int from, std::uint32_t repeat_tag) {
    FrameMemo::Walk& last = memo.walks[memo.last];
    FrameMemo::Walk& next = memo.walks[memo.last ^ 1];
    const int reads = last.count + (last.end == FrameMemo::kLowReturn ? 1 : 0);
    // In order, stopping at the first difference: each word read is one this walk would read itself
    // (all before it being equal, it reaches the same state), so none lies beyond its own stack even
    // where another stack of another size once was (a thread's reused slot, coroutines). The loads
    // do not depend on each other, so they still overlap.
    for (int i = from; i < reads; ++i) {
        const FrameMemo::Step& step = last.steps[i];
        if (*reinterpret_cast<const std::uintptr_t*>(step.cfa - 8) != step.ret) return -1;
        // The saved rbp matters only where the rest reads it (a CFA from rbp further out); elsewhere
        // it is a register the program uses for data, different at every call.
        if (step.check_bp && *reinterpret_cast<const std::uintptr_t*>(step.cfa + step.rbp_offset) != step.saved_bp)
            return -1;
    }
    int total = depth + last.count - from;
    if (last.end == FrameMemo::kLimit && total < max) return -1;  // the last walk stopped short of this one
    FrameMemo::End end = last.end;
    if (total >= max) total = max, end = FrameMemo::kLimit;
    if (repeat_tag != 0 && depth == 0 && from == 0 && total == last.count && end == last.end) {
        // The last walk's frames exactly, and the caller remembers what it made of them: the memo stays
        // as it is (the branch below would change nothing either) and no frame is copied out.
        memo.repeat_tag = repeat_tag;
        ++memo.resumed;
        return kRepeatedWalk;
    }
    // The reused steps' chains run to the last walk's end: still this walk's unless it was cut shorter.
    const bool same_end = total == depth + last.count - from;
    FrameMemo::Walk* result = &last;
    if (depth == from) {  // the common case, a repeated stack: the last walk's steps stay where they are
        for (int i = 0; i < depth; ++i) last.steps[i] = next.steps[i];
    } else {
        const int copied = total - depth + (end == FrameMemo::kLowReturn ? 1 : 0);
        for (int i = 0; i < copied; ++i) next.steps[depth + i] = last.steps[from + i];
        result = &next;
        memo.last ^= 1;
    }
    result->count = total;
    result->end = end;
    for (int i = depth; i < total; ++i) out[i] = reinterpret_cast<void*>(result->steps[i].ret);
    mark_needs_bp(*result, depth, total > depth && result->steps[depth].needs_bp);
    chain_steps(*result, same_end ? depth : total);
    memo.chains_valid = true;
    ++memo.resumed;
    return total;
}

/// The walk with the plain rules, this thread's memo and its last walk; -1 at a frame the plain rules do
/// not cover.
int walk_remembering(void** out, int max, std::uintptr_t pc, std::uintptr_t sp, std::uintptr_t bp, FrameMemo& memo) {
    const FrameMemo::Walk& last = memo.walks[memo.last];
    FrameMemo::Walk& next = memo.walks[memo.last ^ 1];
    const std::uint32_t repeat_tag = memo.repeat_tag;
    memo.repeat_tag = 0;  // set again only when this walk repeats the last one
    int depth = 0;
    int candidate = 0;  // the last walk's first state whose sp is not below this one's (sps grow outward)
    bool may_resume = last.count > 0;
    for (;;) {
        if (depth == max) {
            next.count = depth, next.end = FrameMemo::kLimit;
            break;
        }
        if (may_resume) {
            while (candidate < last.count && last.steps[candidate].sp < sp) ++candidate;
            const FrameMemo::Step& state = last.steps[candidate];
            if (candidate < last.count && state.sp == sp && state.pc == pc && (!state.needs_bp || state.bp == bp)) {
                const int total = resume(out, depth, max, memo, candidate, repeat_tag);
                if (total != -1) return total;
                may_resume = false;  // once: a stack that changed under the state is walked
            }
        }
        const FrameRule& rule = entry_of(pc, memo).rule;
        if (rule.kind == FrameRule::kOutermost) {
            next.count = depth, next.end = FrameMemo::kOutermost;
            break;
        }
        if (rule.kind != FrameRule::kStandard) {
            memo.walks[0].count = memo.walks[1].count = 0;
            memo.chains_valid = false;
            return -1;
        }
        FrameMemo::Step& step = next.steps[depth];
        step.pc = pc, step.sp = sp, step.bp = bp;
        step.cfa = (rule.cfa_from_rsp ? sp : bp) + static_cast<std::intptr_t>(rule.cfa_offset);
        step.ret = *reinterpret_cast<const std::uintptr_t*>(step.cfa - 8);
        step.rbp_offset = rule.rbp_offset;
        step.needs_bp = !rule.cfa_from_rsp;
        if (rule.rbp_offset != FrameRule::kRbpUnchanged)
            step.saved_bp = *reinterpret_cast<const std::uintptr_t*>(step.cfa + static_cast<std::intptr_t>(rule.rbp_offset));
        if (step.ret < 0x4000) {  // where libunwind's walk stops too
            next.count = depth, next.end = FrameMemo::kLowReturn;
            break;
        }
        out[depth++] = reinterpret_cast<void*>(step.ret);
        if (rule.rbp_offset != FrameRule::kRbpUnchanged) bp = step.saved_bp;
        sp = step.cfa;
        pc = step.ret - 1;
    }
    mark_needs_bp(next, next.count + (next.end == FrameMemo::kLowReturn ? 1 : 0), false);
    chain_steps(next, next.count);
    memo.chains_valid = true;
    memo.last ^= 1;
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

__attribute__((noinline)) int walk_frames(void** out, int max, FrameMemo* memo) {
    constexpr int kCapacity = 128;
    if (max > kCapacity) max = kCapacity;
    std::uintptr_t ip, sp, bp;
    // rbp is read first: the compiler may give rbp to one of the outputs (then it saved it, and the
    // unwind rule at `ip` says where). `ip` is the address right after this block, whose row applies.
    asm volatile("mov %%rbp, %2\n\tmov %%rsp, %1\n\tlea 0(%%rip), %0" : "=&r"(ip), "=&r"(sp), "=&r"(bp));
    if (memo && max > FrameMemo::kSteps) {  // this walk does not become the memo's last
        memo->repeat_tag = 0;
        memo->chains_valid = false;
    }
    const int depth = memo && max <= FrameMemo::kSteps
                          ? walk_remembering(out, max, ip, sp, bp, *memo)
                          : walk_plain(out, max, ip, sp, bp, [](std::uintptr_t pc) { return rule_for(pc); });
    if (depth != -1) return depth;
    // A frame the plain rules do not cover: the whole stack from libunwind. Called from here, its first
    // address is inside this function, one more than this function's own output.
    g_fallbacks.fetch_add(1, std::memory_order_relaxed);
    void* raw[kCapacity + 1];
    const int n = unw_backtrace(raw, max + 1);
    if (n <= 1) return 0;
    std::memcpy(out, raw + 1, static_cast<std::size_t>(n - 1) * sizeof(void*));
    return n - 1;
}

}  // namespace leakscope::tracker
