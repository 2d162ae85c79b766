// The frame walk against libunwind: on every stack the tracker's walk (cached unwind rules, libunwind for
// anything else) must give exactly what unw_backtrace gives, and the plain stacks must not need libunwind.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <signal.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "frame_rules.hpp"
#include "frame_walk.hpp"
#include "frame_walk_frames.hpp"
#include "libunwind_loader.hpp"
#include "stack_depot.hpp"
#include "under_address_sanitizer.hpp"

namespace leakscope::tracker_test {
namespace {

using tracker::FrameMemo;
using tracker::FrameRule;

struct Comparison {
    int walked = 0;
    int expected = 0;
    int first_difference = -1;  ///< -1: the same stack
    int hashes_checked = 0;     ///< suffixes whose hash the memo gave (each must be the depot's)
    int hashes_wrong = 0;
};

std::string describe(const Comparison& c) {
    return "walk " + std::to_string(c.walked) + " frames, libunwind " + std::to_string(c.expected) +
           ", first difference at " + std::to_string(c.first_difference);
}

// Both unwinders called from this one function: the first address of each is its own call's return
// address here; from the second on they must be the same.
__attribute__((noinline)) Comparison compare_here(FrameMemo* memo) {
    void* walked[128];
    void* expected[128];
    Comparison c;
    // The tracker's depth (wire::kMaxFrames + 8): within what a thread's memo remembers of a walk.
    constexpr int kDepth = 72;
    static_assert(kDepth <= FrameMemo::kSteps);
    c.walked = tracker::walk_frames(walked, kDepth, memo);
    c.expected = unw_backtrace(expected, kDepth);
    // The memo's hash of every suffix of the walk (the capture uses the one past the tracker's frames)
    // is the depot's hash of those frames, whether the walk resumed, was cut at the limit or walked anew.
    for (int first = 0; memo && first < c.walked; ++first) {
        const std::uint32_t hash = tracker::hash_of_last_walk(*memo, first, c.walked);
        if (hash == 0) continue;
        ++c.hashes_checked;
        const auto* frames = reinterpret_cast<const std::uint64_t*>(walked + first);
        if (hash != tracker::StackDepot::hash(frames, static_cast<std::size_t>(c.walked - first))) ++c.hashes_wrong;
    }
    if (c.walked != c.expected) c.first_difference = std::min(c.walked, c.expected);
    for (int i = 1; i < c.walked && i < c.expected; ++i) {
        if (walked[i] != expected[i]) {
            c.first_difference = i;
            break;
        }
    }
    asm volatile("" ::: "memory");
    return c;
}

struct Tally {
    std::atomic<int> compared{0};
    std::atomic<int> differed{0};
    std::atomic<int> hashes_checked{0};
    std::atomic<int> shallow{0};  // fewer than 3 frames: the walk stopped early (must not happen here)
    void check(FrameMemo* memo = nullptr) {
        const Comparison c = compare_here(memo);
        ++compared;
        if (c.first_difference >= 0) {
            ++differed;
            ADD_FAILURE() << describe(c);
        }
        hashes_checked += c.hashes_checked;
        if (c.hashes_wrong) ADD_FAILURE() << c.hashes_wrong << " of " << c.hashes_checked << " hashes from the memo are not the depot's";
        if (c.walked < 3) ++shallow;
    }
};

__attribute__((noinline)) int recurse(int depth, Tally& tally, FrameMemo* memo) {
    if (depth == 0) {
        tally.check(memo);
        return 0;
    }
    const int below = recurse(depth - 1, tally, memo);
    asm volatile("" ::: "memory");
    return below + 1;
}

/// recurse() with a frame `Pad` bytes larger: the same depths at other stack pointers, other states.
template <int Pad>
__attribute__((noinline)) int recurse_padded(int depth, Tally& tally, FrameMemo* memo) {
    volatile char pad[Pad];
    pad[0] = static_cast<char>(depth);
    if (depth == 0) {
        tally.check(memo);
        return pad[0];
    }
    const int below = recurse_padded<Pad>(depth - 1, tally, memo);
    asm volatile("" ::: "memory");
    return below + 1 + pad[0];
}

class FrameWalk : public ::testing::Test {
protected:
    void SetUp() override {
        tracker::initialize_frame_walk();
        tracker::load_libunwind();  // the tracker's transport thread does this (libunwind_loader.hpp)
        fallbacks_before_ = tracker::frame_walk_fallbacks();
    }
    std::uint64_t fallbacks() const { return tracker::frame_walk_fallbacks() - fallbacks_before_; }
    std::uint64_t fallbacks_before_ = 0;
};

TEST_F(FrameWalk, PlainFramesAreWalkedWithoutLibunwind) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    for (int depth = 0; depth < 60; ++depth) recurse(depth, tally, nullptr);
    for (int depth = 0; depth < 60; ++depth) recurse(depth % 7, tally, memo.get());  // the memo, stacks changing
    EXPECT_EQ(tally.compared.load(), 120);
    EXPECT_GT(tally.hashes_checked.load(), 60 * 10) << "the memo gave no hashes";
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0);
    EXPECT_EQ(fallbacks(), 0u) << "plain stacks went to libunwind";
}

// Two callers with frames of one size: below them the callee chain has the same addresses and stack
// pointers whichever called it, and only the return address in the chain's outermost frame (a word the
// walk reads) tells them apart.
__attribute__((noinline)) void first_caller(Tally& tally, FrameMemo* memo) {
    volatile char pad[48];
    pad[0] = 1;
    recurse(4, tally, memo);
    asm volatile("" ::"r"(&pad) : "memory");
}
__attribute__((noinline)) void second_caller(Tally& tally, FrameMemo* memo) {
    volatile char pad[48];
    pad[0] = 2;
    recurse(4, tally, memo);
    asm volatile("" ::"r"(&pad) : "memory");
}

TEST_F(FrameWalk, RepeatedStacksResumeTheLastWalkAndOnlyWhenTheirWordsAreUnchanged) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    for (int i = 0; i < 20; ++i) {
        first_caller(tally, memo.get());
        first_caller(tally, memo.get());   // resumes the walk before
        second_caller(tally, memo.get());  // same states up to the caller's frame, whose word differs
        recurse(i % 5, tally, memo.get());  // shallower and deeper stacks in between
    }
    EXPECT_EQ(tally.compared.load(), 80);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0);
    EXPECT_GE(memo->resumed, 20u) << "repeated stacks were walked again instead of confirmed";
    EXPECT_EQ(fallbacks(), 0u);
}

// What the stack capture does with the memo's tags: after a walk that was no repeat it tags the walk's
// frames (there, with the stack id it made of them); a walk that reports a repeated tag must have exactly
// the frames that tag was given for, which libunwind, asked at the same place, confirms.
struct TaggedWalks {
    int walked = 0, repeated = 0, wrong = 0;
    std::uint32_t next_tag = 100;
    std::map<std::uint32_t, std::vector<void*>> frames_of_tag;
    int limit = 72;  ///< frames the walk is asked for

    __attribute__((noinline)) void walk(FrameMemo* memo, bool tag) {
        void* out[128];
        void* expected[128];
        const int n = walk_from_frame_pointer_frame(out, limit, memo);
        const int e = unw_backtrace(expected, limit - 1);  // one frame fewer: the walk's first is in the helper
        std::vector<void*> frames(out, out + std::max(n, 0));
        if (memo->repeated_tag) {
            ++repeated;
            const auto it = frames_of_tag.find(memo->repeated_tag);
            if (it == frames_of_tag.end() || it->second != frames) ++wrong;  // a tag never given, or other frames
        } else {
            ++walked;
            if (tag) {
                frames_of_tag[next_tag] = frames;
                tracker::tag_last_walk(*memo, next_tag++);
            }
        }
        // The walk's first two frames are in the helper and at its call here, libunwind's first is its own
        // call here: from there on they must be the same.
        if (n != e + 1 || !std::equal(frames.begin() + 2, frames.end(), expected + 1)) ++wrong;
        asm volatile("" ::: "memory");
    }
};

__attribute__((noinline)) int tagged_recurse(int depth, TaggedWalks& walks, FrameMemo* memo, bool tag) {
    if (depth == 0) {
        walks.walk(memo, tag);
        return 0;
    }
    const int below = tagged_recurse(depth - 1, walks, memo, tag);
    asm volatile("" ::: "memory");
    return below + 1;
}
// Three callers with frames of one size (see first_caller), and a shallower stack.
__attribute__((noinline)) void tagged_first_caller(TaggedWalks& walks, FrameMemo* memo, bool tag) {
    volatile char pad[48];
    pad[0] = 1;
    tagged_recurse(3, walks, memo, tag);
    asm volatile("" ::"r"(&pad) : "memory");
}
__attribute__((noinline)) void tagged_second_caller(TaggedWalks& walks, FrameMemo* memo, bool tag) {
    volatile char pad[48];
    pad[0] = 2;
    tagged_recurse(3, walks, memo, tag);
    asm volatile("" ::"r"(&pad) : "memory");
}
__attribute__((noinline)) void tagged_third_caller(TaggedWalks& walks, FrameMemo* memo, bool tag) {
    volatile char pad[48];
    pad[0] = 3;
    tagged_recurse(3, walks, memo, tag);
    asm volatile("" ::"r"(&pad) : "memory");
}
__attribute__((noinline)) void tagged_shallow(TaggedWalks& walks, FrameMemo* memo, bool tag) { tagged_recurse(1, walks, memo, tag); }

TEST_F(FrameWalk, ARepeatIsAnsweredOnlyForTheVeryFramesOfATaggedWalk) {
    using Caller = void (*)(TaggedWalks&, FrameMemo*, bool);
    struct Step {
        Caller caller;
        bool tag;  ///< the caller tags this walk's frames (when it is no repeat)
    };
    const Step steps[] = {
        {tagged_first_caller, true},   // walked
        {tagged_first_caller, true},   // the same frames: a repeat
        {tagged_first_caller, true},   // and again
        {tagged_second_caller, true},  // same states down to the caller, whose return address differs: walked
        {tagged_first_caller, true},   // the first's frames again, after another walk: a repeat
        {tagged_shallow, false},       // the same inner frames at other stack pointers: walked, not tagged
        {tagged_shallow, false},       // nothing tagged for these frames: walked
        {tagged_shallow, true},        // walked, and tagged
        {tagged_shallow, true},        // a repeat
        {tagged_first_caller, true},   // a repeat
    };
    TaggedWalks walks;
    auto memo = std::make_unique<FrameMemo>();
    for (const Step& step : steps) step.caller(walks, memo.get(), step.tag);  // every walk from this one call site
    EXPECT_EQ(walks.wrong, 0);
    EXPECT_EQ(walks.repeated, 5);
    EXPECT_EQ(walks.walked, 5);
    EXPECT_EQ(fallbacks(), 0u);
}

// Callers that alternate at the same stack pointers: each one's frames differ from the others' in one
// return address. The walk resumes from the steps it remembers of all of them (not only of the walk
// before), takes a step with the rule only where none remembered fits, and never goes round in circles
// between remembered steps that all differ (three callers, two remembered steps per state).
TEST_F(FrameWalk, AlternatingCallersResumeFromOlderWalks) {
    TaggedWalks walks;
    auto memo = std::make_unique<FrameMemo>();
    const std::vector<void (*)(TaggedWalks&, FrameMemo*, bool)> callers = {tagged_first_caller, tagged_second_caller,
                                                                           tagged_third_caller, tagged_shallow};
    for (int round = 0; round < 3; ++round)
        for (auto caller : callers) caller(walks, memo.get(), true);
    const std::uint64_t stepped_before = memo->stepped;
    const int walks_before = walks.walked + walks.repeated;
    for (int round = 0; round < 20; ++round) {
        for (auto caller : callers) caller(walks, memo.get(), true);
        tagged_second_caller(walks, memo.get(), true);
        tagged_first_caller(walks, memo.get(), true);
    }
    EXPECT_EQ(walks.wrong, 0);
    const int measured = walks.walked + walks.repeated - walks_before;
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    // With only the last walk to resume from, each change of caller walked the ~7 frames inside the
    // caller's anew (the walk's helper, the tally, four levels of recursion, the caller); remembering the
    // steps of the walks before, fewer than one a walk (88 in 120 measured with 1024 steps).
    EXPECT_LE(memo->stepped - stepped_before, static_cast<std::uint64_t>(measured)) << "steps taken anew in " << measured << " walks";
#endif
    EXPECT_EQ(fallbacks(), 0u);
}

// Callers with frames of one size (see first_caller), told apart by their own return address only: every
// instance is another function, so all of them reach the walk at the same stack pointer, one trace set.
template <int Caller>
__attribute__((noinline)) void numbered_caller(TaggedWalks& walks, FrameMemo* memo, bool tag) {
    volatile char pad[48];
    pad[0] = static_cast<char>(Caller);
    tagged_recurse(3, walks, memo, tag);
    asm volatile("" ::"r"(&pad) : "memory");
}
using TaggedCaller = void (*)(TaggedWalks&, FrameMemo*, bool);
template <int... Callers>
std::vector<TaggedCaller> numbered_callers(std::integer_sequence<int, Callers...>) {
    return {numbered_caller<Callers>...};
}

// The traces (FrameMemo::trace_sets): whole walks kept as the words they read, by the first stack pointer,
// several call paths for each. As many callers as a set has ways are all answered from their traces once
// tagged; twice as many, taken in turn, push each other's traces out (least recently used first) and
// must still never answer a walk with another's frames.
TEST_F(FrameWalk, TracesAnswerSeveralCallPathsAtOneStackPointerAndOnlyTheirOwn) {
    const std::vector<TaggedCaller> callers = numbered_callers(std::make_integer_sequence<int, 2 * FrameMemo::kTraceWays>());
    {
        TaggedWalks walks;
        auto memo = std::make_unique<FrameMemo>();
        for (int round = 0; round < 10; ++round)
            for (unsigned c = 0; c < FrameMemo::kTraceWays; ++c) callers[c](walks, memo.get(), true);
        EXPECT_EQ(walks.wrong, 0);
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
        // The first round walks each once and tags it; every later walk is its trace's repeat (the nodes
        // alone answered one in three: the callers share every step but their own).
        EXPECT_EQ(walks.walked, static_cast<int>(FrameMemo::kTraceWays));
        EXPECT_EQ(walks.repeated, 9 * static_cast<int>(FrameMemo::kTraceWays));
#endif
    }
    {
        TaggedWalks walks;
        auto memo = std::make_unique<FrameMemo>();
        for (int round = 0; round < 10; ++round)
            for (auto caller : callers) caller(walks, memo.get(), true);
        EXPECT_EQ(walks.wrong, 0);
        EXPECT_EQ(walks.walked + walks.repeated, 10 * static_cast<int>(callers.size()));
    }
    EXPECT_EQ(fallbacks(), 0u);
}

// Far more states than the memo has nodes (as in StepsReusedManyTimesOverKeepEveryWalkExact), in untagged
// walks (their traces answer nothing and are the first a set gives up): every node is taken again.
__attribute__((noinline)) void take_every_node_again(TaggedWalks&, FrameMemo* memo, bool) {
    Tally tally;
    for (int round = 0; round < 3; ++round) {
        for (int depth = 1; depth <= 70; ++depth) {
            recurse(depth, tally, memo);
            recurse_padded<48>(depth, tally, memo);
            recurse_padded<208>(depth, tally, memo);
        }
    }
    EXPECT_EQ(tally.differed.load(), 0);
}

// A trace holds the words themselves, not the nodes it was made from: after the nodes have all been taken
// again by other walks (the node's tag is then void), the tagged walk is still answered, by its trace.
TEST_F(FrameWalk, ATraceOutlivesTheNodesItWasMadeFrom) {
    TaggedWalks walks;
    auto memo = std::make_unique<FrameMemo>();
    using Caller = void (*)(TaggedWalks&, FrameMemo*, bool);
    const Caller steps[] = {tagged_first_caller, take_every_node_again, tagged_first_caller};
    int repeated_before = 0;
    for (const Caller step : steps) {  // every walk from this one call site
        if (step == tagged_first_caller) repeated_before = walks.repeated;
        step(walks, memo.get(), true);
    }
    int taken_again = 0;
    for (const auto& node : memo->nodes) taken_again += node.stamp >= 4;
    EXPECT_EQ(walks.wrong, 0);
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    EXPECT_EQ(taken_again, static_cast<int>(FrameMemo::kNodes)) << "every node is taken again here";
    EXPECT_EQ(walks.repeated, repeated_before + 1) << "the trace answers the tagged walk";
#else
    (void)taken_again;
    (void)repeated_before;
#endif
    EXPECT_EQ(fallbacks(), 0u);
}

// A trace answers a walk only below the walk's limit: asked for fewer frames than the tagged walk had,
// from the same place, the walk is cut there as libunwind's is, and is no repeat.
TEST_F(FrameWalk, ATraceAnswersNoWalkWithALowerLimit) {
    TaggedWalks walks;
    auto memo = std::make_unique<FrameMemo>();
    struct Step {
        int limit;
        bool repeat;  ///< expected to be answered as a repeat
    };
    const Step steps[] = {{72, false}, {72, true}, {4, false}, {72, true}};
    for (const Step& step : steps) {  // every walk from this one call site
        const int repeated_before = walks.repeated;
        walks.limit = step.limit;
        tagged_first_caller(walks, memo.get(), step.limit == 72);
        EXPECT_EQ(walks.repeated - repeated_before, step.repeat ? 1 : 0) << "limit " << step.limit;
    }
    EXPECT_EQ(walks.wrong, 0);  // the walk cut at 4 frames, libunwind's at 3 from one frame further out
    EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(FrameWalk, DeepStacksStopAtTheLimitLikeLibunwind) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    recurse(150, tally, nullptr);  // deeper than the 72 frames both are asked for
    recurse(150, tally, memo.get());
    recurse(150, tally, memo.get());  // resumed, and cut at the same depth
    recurse(30, tally, memo.get());   // a shorter stack after a walk cut short: walked again
    // From one call site, so that the outer frames are the same: 70 resumes the 30-deep walk 40 levels
    // in and is cut at the limit; 29 resumes the 30-deep walk near its start (the chains kept run to the
    // same end).
    const std::uint64_t resumed_before = memo->resumed;
    for (int depth : {30, 70, 30, 29}) recurse(depth, tally, memo.get());
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    // Under AddressSanitizer these four walks were made anew (0 resumed, measured in the sanitizer
    // suite), so only their frames and hashes are checked there.
    EXPECT_GE(memo->resumed - resumed_before, 2u);
#else
    (void)resumed_before;
#endif
    EXPECT_EQ(tally.differed.load(), 0);
    // Hashes come from the memo where the walk's steps link to a natural end: the walks of 30 (the one
    // from the other call site shares only its inner steps, linked to the first's outer ones) and 29,
    // none of those cut at the limit (the capture hashes those itself).
    EXPECT_GT(tally.hashes_checked.load(), 2 * 30);
    EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(FrameWalk, StepsReusedManyTimesOverKeepEveryWalkExact) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    // Far more states than the memo has nodes (three frame sizes, 70 depths each, the inner frames at a
    // new stack pointer at every depth): every node is taken again and again, each time with a new stamp,
    // so links to a node reused since go stale and steps are left with no link. A walk follows a link
    // only while the node it names has the stamp it had when linked; a step with no link has an odd
    // next_stamp, which no node's (even) stamp equals. Every walk must still be libunwind's.
    for (int round = 0; round < 3; ++round) {
        for (int depth = 1; depth <= 70; ++depth) {
            recurse(depth, tally, memo.get());
            recurse_padded<48>(depth, tally, memo.get());
            recurse_padded<208>(depth, tally, memo.get());
        }
    }
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0);
    EXPECT_EQ(tally.compared.load(), 3 * 3 * 70);
    int taken = 0;
    int taken_again = 0;
    for (const auto& node : memo->nodes) {
        if (node.pc == 0) continue;
        ++taken;
        EXPECT_EQ(node.stamp % 2, 0) << "a stamp must stay even";
        if (node.stamp >= 4) ++taken_again;
    }
    EXPECT_EQ(taken, static_cast<int>(FrameMemo::kNodes));
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    EXPECT_EQ(taken_again, taken) << "each node is taken more than once here";
#else
    // AddressSanitizer's instrumented frames change which steps the walks share, and a few nodes were
    // taken only once (508 to 512 of the 512 taken again in the sanitizer build, the environment's size
    // moving the stack); what the test needs is the memo overrun many times over, which shows in nearly
    // every node taken again.
    EXPECT_GE(taken_again, taken * 9 / 10) << "the memo is overrun many times over here";
#endif
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    EXPECT_GT(memo->resumed, 0u);
#endif
    EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(FrameWalk, FramePointerFrames) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    for (int depth = 0; depth < 20; ++depth) with_frame_pointer(depth, [&] { tally.check(memo.get()); });
    for (int depth = 0; depth < 20; ++depth) with_frame_pointer(depth % 3, [&] { tally.check(memo.get()); });
    EXPECT_EQ(tally.compared.load(), 40);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_GT(memo->resumed, 10u);
    EXPECT_EQ(fallbacks(), 0u);
}

/// Eight stacks that alternate between two outer frames whose alloca sizes move the middle frame, each
/// walked `walks_each` times at the bottom: the middle's return address sits at the other outer's old
/// place, so stale words read back unchanged there.
void alternate_alloca_outers(int walks_each, const std::function<void()>& at_the_bottom) {
    using Outer = void (*)(int, int, const std::function<void()>&);
    Outer volatile outers[2] = {alloca_outer_first, alloca_outer_second};
    for (int i = 0; i < 8; ++i) {
        const Outer outer = outers[i & 1];
        for (int again = 0; again < walks_each; ++again) outer(i & 1 ? 256 : 64, i & 1 ? 64 : 256, at_the_bottom);
    }
}

TEST_F(FrameWalk, AResumedWalkRereadsTheSavedFramePointerWhereALaterFrameUsesIt) {
    // The stale words pass every return-address check; only the callee's saved rbp (the middle frame's
    // CFA, which moved) tells the stacks apart. A (return address, stack pointer) cache fails here.
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    alternate_alloca_outers(1, [&] { tally.check(memo.get()); });
    EXPECT_EQ(tally.compared.load(), 8);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(fallbacks(), 0u);
}

// The same stacks with the capture's tags, each walked four times: the fourth walk from the same
// registers is answered from the words the walks before read (FrameMemo::repeat, made after two repeats
// through the nodes), and the next stack's first walk, whose stale return-address words read back
// unchanged, must be told apart by the saved rbp there too.
TEST_F(FrameWalk, ATaggedRepeatRereadsTheSavedFramePointerWhereALaterFrameUsesIt) {
    TaggedWalks walks;
    auto memo = std::make_unique<FrameMemo>();
    alternate_alloca_outers(4, [&] { walks.walk(memo.get(), true); });
    EXPECT_EQ(walks.wrong, 0);
    // The first outer's walks are tagged (the second's resume steps of the first's and are not: no tag,
    // no repeat), so three of its four walks are repeats, and the second's first walk starts from its words.
#if !defined(LEAKSCOPE_TEST_UNDER_ASAN)
    // Under AddressSanitizer these walks repeat far less (3 of 32 in the clean clone's sanitizer suite:
    // its instrumented frames move between calls), so only that none is wrong is checked there.
    EXPECT_GE(walks.repeated, 12) << "walks of a tagged stack repeat it";
    // Those repeats come from traces that check the saved rbp words the later frames depend on.
    int traces_with_saved_bp = 0;
    for (unsigned set = 0; set < std::size(memo->trace_sets); ++set)
        for (unsigned way = 0; way < FrameMemo::kTraceWays; ++way)
            traces_with_saved_bp += memo->trace_sets[set].sp[way] != 0 && memo->traces[set * FrameMemo::kTraceWays + way].bp_words > 0;
    EXPECT_GT(traces_with_saved_bp, 0);
#endif
    EXPECT_EQ(fallbacks(), 0u);
}

TEST_F(FrameWalk, AllocaFrames) {
    Tally tally;
    auto memo = std::make_unique<FrameMemo>();
    for (int bytes : {16, 100, 4000, 70000, 100, 16}) with_alloca(bytes, [&] { tally.check(memo.get()); });
    EXPECT_EQ(tally.compared.load(), 6);
    EXPECT_EQ(tally.differed.load(), 0);
}

TEST_F(FrameWalk, RealignedFrames) {
    Tally tally;
    for (int bytes : {16, 5000}) with_realigned_stack(bytes, [&] { tally.check(); });
    EXPECT_EQ(tally.compared.load(), 2);
    EXPECT_EQ(tally.differed.load(), 0);
#if defined(__GNUC__) && !defined(__clang__)
    EXPECT_EQ(fallbacks(), 2u) << "gcc's realigned frame has a CFA expression: libunwind's case";
#endif
}

TEST_F(FrameWalk, ReturnAddressAfterANoreturnCall) {
    Tally tally;
    for (int value : {1, 2, 3}) {
        try {
            with_noreturn_call_last(value, [&] { tally.check(); });
        } catch (int) {
        }
    }
    EXPECT_EQ(tally.compared.load(), 3);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0);
    // Looked up at the return address itself, the frame finds the next function's rule or none at all
    // (then libunwind would mend the stack): it must be the call's own.
    EXPECT_EQ(fallbacks(), 0u);
}

Tally* g_signal_tally = nullptr;
void on_signal(int) {
    g_signal_tally->check();
    recurse(3, *g_signal_tally, nullptr);
}

TEST_F(FrameWalk, SignalFramesGoToLibunwind) {
    Tally tally;
    g_signal_tally = &tally;
    struct sigaction action {};
    action.sa_handler = on_signal;
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    for (int i = 0; i < 3; ++i) raise(SIGUSR1);
    sigaction(SIGUSR1, &old, nullptr);
    EXPECT_EQ(tally.compared.load(), 6);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0) << "the walk must go on past the signal frame (libunwind does)";
    EXPECT_EQ(fallbacks(), 6u) << "a signal frame is never walked with the plain rules";
}

// Before libunwind is loaded (a process's first stacks, before its transport thread has run), a stack with
// a frame only libunwind can step through ends there: the frames up to it, exactly libunwind's.
Comparison g_cut;
void on_signal_without_libunwind(int) {
    const tracker::BacktraceFunction loaded = tracker::g_libunwind_backtrace.exchange(nullptr);
    g_cut = compare_here(nullptr);
    tracker::g_libunwind_backtrace.store(loaded);
}

TEST_F(FrameWalk, BeforeLibunwindIsLoadedAStackEndsAtTheFrameItIsNeededFor) {
    struct sigaction action {};
    action.sa_handler = on_signal_without_libunwind;
    struct sigaction old {};
    ASSERT_EQ(sigaction(SIGUSR1, &action, &old), 0);
    raise(SIGUSR1);
    sigaction(SIGUSR1, &old, nullptr);
    EXPECT_GE(g_cut.walked, 2) << "the handler's frames, up to the signal frame";
    EXPECT_LT(g_cut.walked, g_cut.expected) << "cut at the signal frame";
    EXPECT_EQ(g_cut.first_difference, g_cut.walked) << describe(g_cut) << ": the first frames of libunwind's stack";
    EXPECT_EQ(fallbacks(), 1u);
}

Tally* g_sort_tally = nullptr;
int compare_ints(const void* a, const void* b) {
    g_sort_tally->check();
    return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

TEST_F(FrameWalk, CallbacksFromLibcAndLibstdcxx) {
    Tally tally;
    g_sort_tally = &tally;
    std::vector<int> values{9, 3, 7, 1, 8, 2, 6, 4, 5, 0};
    std::qsort(values.data(), values.size(), sizeof(int), compare_ints);
    std::vector<int> more{9, 3, 7, 1, 8, 2, 6, 4, 5, 0};
    std::stable_sort(more.begin(), more.end(), [&](int a, int b) {
        tally.check();
        return a < b;
    });
    EXPECT_GT(tally.compared.load(), 20);
    EXPECT_EQ(tally.differed.load(), 0);
}

TEST_F(FrameWalk, ThreadsShareTheRuleTable) {
    Tally tally;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&tally, t] {
            auto memo = std::make_unique<FrameMemo>();  // each thread its own, as in the counter slots
            for (int i = 0; i < 500; ++i) recurse((i * (t + 3)) % 23, tally, (i & 1) ? memo.get() : nullptr);
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(tally.compared.load(), 2000);
    EXPECT_EQ(tally.differed.load(), 0);
    EXPECT_EQ(tally.shallow.load(), 0);
    EXPECT_EQ(fallbacks(), 0u);
}

// CFI programs written by hand: a CIE's usual start (CFA = rsp + 8, return address at CFA - 8), code
// alignment 1, data alignment -8.
const std::uint8_t kCie[] = {0x0c, 0x07, 0x08, 0x90, 0x01};

FrameRule rule_at(const std::vector<std::uint8_t>& fde, std::uintptr_t offset) {
    constexpr std::uintptr_t kStart = 0x1000;
    return tracker::cfi::run(kCie, kCie + sizeof kCie, fde.data(), fde.data() + fde.size(), kStart, kStart + offset, 1, -8);
}

TEST(FrameRules, PushRbpThenFramePointer) {
    // push %rbp; mov %rsp,%rbp: advance 1, CFA offset 16, rbp at CFA-16, advance 3, CFA register rbp.
    const std::vector<std::uint8_t> fde{0x41, 0x0e, 0x10, 0x86, 0x02, 0x43, 0x0d, 0x06};
    FrameRule entry = rule_at(fde, 0);
    EXPECT_EQ(entry.kind, FrameRule::kStandard);
    EXPECT_TRUE(entry.cfa_from_rsp);
    EXPECT_EQ(entry.cfa_offset, 8);
    EXPECT_EQ(entry.rbp_offset, FrameRule::kRbpUnchanged);
    FrameRule pushed = rule_at(fde, 1);  // the row that starts exactly at the address applies
    EXPECT_TRUE(pushed.cfa_from_rsp);
    EXPECT_EQ(pushed.cfa_offset, 16);
    EXPECT_EQ(pushed.rbp_offset, -16);
    EXPECT_EQ(rule_at(fde, 3).cfa_offset, 16);
    FrameRule framed = rule_at(fde, 4);
    EXPECT_FALSE(framed.cfa_from_rsp);
    EXPECT_EQ(framed.cfa_offset, 16);
    EXPECT_EQ(framed.rbp_offset, -16);
}

TEST(FrameRules, RememberAndRestoreState) {
    // CFA offset 16; remember; offset 8 (an early return's epilogue); restore: 16 again.
    const std::vector<std::uint8_t> fde{0x41, 0x0e, 0x10, 0x0a, 0x41, 0x0e, 0x08, 0x41, 0x0b};
    EXPECT_EQ(rule_at(fde, 1).cfa_offset, 16);
    EXPECT_EQ(rule_at(fde, 2).cfa_offset, 8);
    EXPECT_EQ(rule_at(fde, 3).cfa_offset, 16);
    EXPECT_EQ(rule_at(fde, 3).kind, FrameRule::kStandard);
    const std::vector<std::uint8_t> unbalanced{0x41, 0x0b};
    EXPECT_EQ(rule_at(unbalanced, 1).kind, FrameRule::kOther);
}

TEST(FrameRules, WhatTheWalkCannotApplyIsOther) {
    // DRAP: CFA = *(rbp - 16), an expression.
    EXPECT_EQ(rule_at({0x41, 0x0f, 0x03, 0x76, 0x70, 0x06}, 1).kind, FrameRule::kOther);
    EXPECT_EQ(rule_at({0x41, 0x0f, 0x03, 0x76, 0x70, 0x06}, 0).kind, FrameRule::kStandard);  // not yet
    // CFA in another register (r10).
    EXPECT_EQ(rule_at({0x0c, 0x0a, 0x00}, 0).kind, FrameRule::kOther);
    // rbp given by an expression; rsp given a rule; the return address elsewhere than CFA - 8.
    EXPECT_EQ(rule_at({0x10, 0x06, 0x02, 0x76, 0x00}, 0).kind, FrameRule::kOther);
    EXPECT_EQ(rule_at({0x87, 0x02}, 0).kind, FrameRule::kOther);
    EXPECT_EQ(rule_at({0x90, 0x02}, 0).kind, FrameRule::kOther);
    // An unknown opcode.
    EXPECT_EQ(rule_at({0x3f}, 0).kind, FrameRule::kOther);
    // A truncated instruction.
    EXPECT_EQ(rule_at({0x0c, 0x07}, 0).kind, FrameRule::kOther);
}

TEST(FrameRules, UndefinedReturnAddressOrRbpIsTheOutermostFrame) {
    EXPECT_EQ(rule_at({0x07, 0x10}, 0).kind, FrameRule::kOutermost);
    EXPECT_EQ(rule_at({0x07, 0x06}, 0).kind, FrameRule::kOutermost);
}

TEST(FrameRules, AddressesOfThisProgram) {
    // Looked up through glibc's object table and the .eh_frame_hdr search table: this test's own code
    // has unwind info (kStandard at its entry: CFA = rsp + 8). Address 0x1000 and an anonymous mapping
    // (where a JIT writes its code) lie in no module: the stack ends there, libunwind is not asked.
    const auto entry = reinterpret_cast<std::uintptr_t>(&compare_ints);
    FrameRule rule = tracker::frame_rule_at(entry);
    EXPECT_EQ(rule.kind, FrameRule::kStandard);
    EXPECT_TRUE(rule.cfa_from_rsp);
    EXPECT_EQ(rule.cfa_offset, 8);
    EXPECT_EQ(tracker::frame_rule_at(0x1000).kind, FrameRule::kOutermost);
    void* jit = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_NE(jit, MAP_FAILED);
    EXPECT_EQ(tracker::frame_rule_at(reinterpret_cast<std::uintptr_t>(jit) + 16).kind, FrameRule::kOutermost);
    munmap(jit, 4096);
}

}  // namespace
}  // namespace leakscope::tracker_test
