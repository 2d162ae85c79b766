// The Go runtime's own report of each collection, as `GODEBUG=gctrace=1` prints it on stderr:
//
//   gc 12 @3.101s 2%: 0.018+1.2+0.003 ms clock, 0.036+0.1/0.5/0.9+0.006 ms cpu, 41->43->21 MB, 44 MB goal, 1 MB stacks, 0 MB globals, 2 P
//
// Go's collector is not generational: every cycle marks the whole heap, so the third heap figure (what
// the marking found live) measures what the program holds at each collection, as a JVM's full collection
// does, and goroutine stacks are beside it. From outside the process (a static binary: no tracker can be
// preloaded) this line is the only such figure. The runtime prints MB as whole mebibytes (bytes >> 20),
// rounded down, so each figure is known to 1 MiB; "stacks" and "globals" since Go 1.18.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace leakscope::runtime {

/// One collection, from one gctrace line. Byte figures are the printed MiB times 2^20 (rounded down by
/// the runtime: the true figure is up to 1 MiB more).
struct GoCollection {
    std::uint64_t number = 0;              ///< "gc N": the runtime's count of collections so far
    double at_s = 0;                       ///< "@S s": seconds since the program started
    std::uint64_t heap_at_start = 0;       ///< the heap when the cycle started
    std::uint64_t heap_at_end = 0;         ///< when marking ended (with what was allocated meanwhile)
    std::uint64_t live_heap = 0;           ///< what the marking found live
    std::uint64_t goal = 0;                ///< the heap size the next cycle is paced to start by
    std::optional<std::uint64_t> stacks;   ///< goroutine stacks scanned (Go 1.18+)
    std::optional<std::uint64_t> globals;  ///< global variables scanned (Go 1.18+)
    bool forced = false;                   ///< "(forced)": runtime.GC() or the two-minute forced cycle
};

/// One mebibyte: the resolution of every figure of the line.
inline constexpr std::uint64_t kGoTraceResolutionBytes = 1u << 20;

/// The collection a line reports, or nothing when the line is not exactly a gctrace line (any other
/// output of the program, a line cut short or run into another): only lines of this shape are taken out
/// of the target's stderr. A trailing '\r' is allowed.
std::optional<GoCollection> parse_go_gc_trace_line(std::string_view line);

/// Longer lines are never gctrace lines (those are ~150 bytes): the most the relay holds back.
inline constexpr std::size_t kLongestGcTraceLine = 1024;

/// Whether `partial` (a line not yet ended) could still become a gctrace line: the relay holds such a
/// beginning back until its end shows what it is, and passes anything else on at once.
bool may_begin_go_gc_trace_line(std::string_view partial);

}  // namespace leakscope::runtime
