// The Go runtime's gctrace lines: the figures of real lines (Debian's go1.19 running the examples in
// examples/patterns/go, and the older shape without stacks and globals), and everything else left alone:
// a program's own line that starts like one is never taken for a collection, so it is never taken out of
// the program's stderr.
#include <gtest/gtest.h>

#include <string>

#include "runtime/go_gc_trace.hpp"

namespace leakscope::runtime {
namespace {

constexpr std::uint64_t MiB = 1u << 20;

TEST(GoGcTrace, ReadsTheFiguresOfAGo119Line) {
    const auto gc = parse_go_gc_trace_line(
        "gc 3 @15.560s 0%: 0.13+0.79+0.002 ms clock, 0.26+0/0.19/1.3+0.004 ms cpu, 7->7->6 MB, 7 MB goal, 1 MB stacks, 0 MB globals, 2 P");
    ASSERT_TRUE(gc);
    EXPECT_EQ(gc->number, 3u);
    EXPECT_DOUBLE_EQ(gc->at_s, 15.56);
    EXPECT_EQ(gc->heap_at_start, 7 * MiB);
    EXPECT_EQ(gc->heap_at_end, 7 * MiB);
    EXPECT_EQ(gc->live_heap, 6 * MiB);
    EXPECT_EQ(gc->goal, 7 * MiB);
    EXPECT_EQ(gc->stacks, 1 * MiB);
    EXPECT_EQ(gc->globals, 0u);
    EXPECT_FALSE(gc->forced);
}

TEST(GoGcTrace, ReadsForcedCollectionsOlderLinesAndCarriageReturns) {
    const auto forced = parse_go_gc_trace_line(
        "gc 1 @2.001s 0%: 0.13+0.16+0.002 ms clock, 0.26+0/0.12/0.15+0.004 ms cpu, 1->1->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)");
    ASSERT_TRUE(forced);
    EXPECT_TRUE(forced->forced);
    EXPECT_EQ(forced->live_heap, 0u);
    // Before Go 1.18: no stacks or globals.
    const auto older = parse_go_gc_trace_line(
        "gc 12 @3.101s 2%: 0.018+1.2+0.003 ms clock, 0.036+0.1/0.5/0.9+0.006 ms cpu, 41->43->21 MB, 44 MB goal, 8 P\r");
    ASSERT_TRUE(older);
    EXPECT_EQ(older->live_heap, 21 * MiB);
    EXPECT_EQ(older->goal, 44 * MiB);
    EXPECT_FALSE(older->stacks);
    EXPECT_FALSE(older->globals);
}

TEST(GoGcTrace, TheProgramsOwnLinesAreNotCollections) {
    for (const std::string line : {
             "", "gc", "gc 3", "gc 3 @15.560s", "gc done", "gc 3 @15.560s 0%: collected", "GC 3 @1.0s 0%: ...",
             // a real line cut short, or run into by another write
             "gc 3 @15.560s 0%: 0.13+0.79+0.002 ms clock, 0.26+0/0.19/1.3+0.004 ms cpu, 7->7->6 MB, 7 MB goal, 1 MB stacks",
             "gc 3 @15.560s 0%: 0.13+0.79+0.002 ms clock, 0.26+0/0.19/1.3+0.004 ms cpu, 7->7->6 MB, 7 MB goal, 2 Pserved 1600 requests",
             " gc 3 @15.560s 0%: 0.13+0.79+0.002 ms clock, 0.26+0/0.19/1.3+0.004 ms cpu, 7->7->6 MB, 7 MB goal, 2 P",
             // figures that do not fit
             "gc 3 @15.560s 0%: 0.1+0.7+0.0 ms clock, 0.2+0/0.1/1.3+0.0 ms cpu, 7->7->99999999999999999999 MB, 7 MB goal, 2 P",
             "gc 3 @15.560s 0%: 0.1+0.7+0.0 ms clock, 0.2+0/0.1/1.3+0.0 ms cpu, 7->7->17592186044416 MB, 7 MB goal, 2 P",
             "gc 3 @15.560s 0%: 0.1+0.7+0.0 ms clock, 0.2+0/0.1/1.3+0.0 ms cpu, -7->7->6 MB, 7 MB goal, 2 P",
         }) {
        EXPECT_FALSE(parse_go_gc_trace_line(line)) << line;
    }
}

TEST(GoGcTrace, OnlyABeginningThatMayStillBecomeALineIsHeldBack) {
    for (const std::string partial : {"", "g", "gc", "gc ", "gc 1", "gc 12 ", "gc 12 @", "gc 12 @3.1", "gc 12 @3.101s 2%: 0.018+1.2"})
        EXPECT_TRUE(may_begin_go_gc_trace_line(partial)) << partial;
    for (const std::string& partial : std::initializer_list<std::string>{"G", "gx", "gc:", "gc a", "gc 12x", "gc 12 x", "gc 12 @" + std::string(5000, '9'), "gc " + std::string(5000, '1'), "> ", "served"})
        EXPECT_FALSE(may_begin_go_gc_trace_line(partial)) << partial;
}

}  // namespace
}  // namespace leakscope::runtime
