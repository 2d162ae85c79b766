// The allocator's own statistics (mallinfo2, jemalloc's stats) as the tracker reads them inside the
// target: checked against a program whose malloc/free pattern fixes what they must show.
#include <gtest/gtest.h>

#include <cmath>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "read_spacing.hpp"
#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

constexpr char kJemalloc[] = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
constexpr double kFreedBytes = 2000 * 4000.0;  // free_pattern.c frees 2000 blocks of 4000 bytes
constexpr std::int64_t kBlocks = 2 * 4000;      // ... of the 4000 big and 4000 small blocks it makes

using Stats = collector::AllocatorStats;

struct Phases {
    const Stats* allocated = nullptr;  ///< the first reading whose round's totals had every block live
    std::size_t allocated_index = 0;
    const Stats* freed = nullptr;      ///< the last reading (the exit flush): half of them freed
};

std::string readings(const ProcessState& p) {
    std::string out = "readings (t_s, in use, free, read ns, tracker's live blocks):";
    for (std::size_t i = 0; i < p.allocator_stats.size(); ++i) {
        const Stats& s = p.allocator_stats[i];
        out += " (" + std::to_string(s.t_s) + ", " + std::to_string(s.in_use_bytes) + ", " + std::to_string(s.free_kept_bytes) +
               ", " + std::to_string(s.read_ns) + ", " + std::to_string(p.totals_at_allocator_stats[i].live_allocations) + ")";
    }
    return out;
}

/// Not the reading with the most in use: the round reads the tracker's totals first, then the allocator,
/// and a read that waited for the arena's lock while the program allocated (seen: 0.46 s on a loaded
/// machine) saw every block where the totals had seen 2/3 of them.
Phases phases_of(const ProcessState& p) {
    Phases out;
    for (std::size_t i = 0; i < p.allocator_stats.size() && !out.allocated; ++i)
        if (p.totals_at_allocator_stats[i].live_allocations >= kBlocks) out.allocated = &p.allocator_stats[i], out.allocated_index = i;
    if (!p.allocator_stats.empty()) out.freed = &p.allocator_stats.back();
    return out;
}

/// The program's phases end on the test's word (free_pattern.c), once a reading taken in the phase has
/// arrived: one before it allocates (so the next, a second later, rarely meets the allocations), one with
/// all 8000 blocks live, then one after the 2000 frees. The last reading is the exit flush's.
RunResult run_free_pattern(std::vector<std::pair<std::string, std::string>> environment = {}) {
    RunOptions options;
    options.extra_environment = std::move(environment);
    const auto live_blocks = [](const RecordingSink& sink) {
        std::vector<std::int64_t> out;
        if (!sink.processes.empty())
            for (const auto& totals : sink.processes[0].totals_at_allocator_stats) out.push_back(totals.live_allocations);
        return out;
    };
    const auto started = [live_blocks](const RecordingSink& sink, const std::string&) { return !live_blocks(sink).empty(); };
    const auto all_allocated = [live_blocks](const RecordingSink& sink, const std::string&) {
        const auto live = live_blocks(sink);
        return *std::max_element(live.begin(), live.end()) >= kBlocks;
    };
    const auto half_freed = [live_blocks](const RecordingSink& sink, const std::string&) {
        const auto live = live_blocks(sink);
        return live.back() + 2000 <= *std::max_element(live.begin(), live.end());
    };
    options.signals = {{started, SIGUSR1}, {all_allocated, SIGUSR1}, {half_freed, SIGUSR1}};
    // After a read that took the tracker t of wall time (descheduled on a loaded machine) the next comes
    // 20 t later; the test bounds t by 1 s, so a phase may last ~21 s.
    options.timeout_s = 90;
    RunResult r = run_program({target_path("tracker_free_pattern"), "--on-signal"}, options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "done\n");
    return r;
}

TEST(TrackerAllocatorStats, GlibcFiguresFollowAKnownMallocFreePattern) {
    RunResult r = run_free_pattern();
    ASSERT_EQ(r.sink.processes.size(), 1u);
    const ProcessState& p = r.sink.processes[0];
    SCOPED_TRACE(readings(p));
    // At most one reading a second over the run's ~3-5 s, plus the one at exit; not one per 20 ms snapshot.
    // At least one in each of the three phases, which the program waited for, and the exit's.
    ASSERT_GE(p.allocator_stats.size(), 4u);
    EXPECT_LE(p.allocator_stats.size(), 8u);
    const Phases phases = phases_of(p);
    ASSERT_NE(phases.allocated, nullptr);
    for (const Stats& s : p.allocator_stats) {
        EXPECT_EQ(s.kind, Stats::Kind::glibc);
        EXPECT_EQ(s.footprint_bytes, s.in_use_bytes + s.free_kept_bytes);  // arena + hblkhd
        // Measured and bounded: a read stuck behind a lock would take seconds. Its wall time on a loaded
        // machine varies (30 ms seen on two busy cores); speed is for the benchmarks, not this test.
        EXPECT_GT(s.read_ns, 0u);
        EXPECT_LT(s.read_ns, 1'000'000'000u);
    }
    // All 4000 big blocks live: the allocator's in-use count is the tracker's live heap plus chunk
    // headers and the tracker's own small tables, well under 1 MB more.
    const auto& live = p.totals_at_allocator_stats[phases.allocated_index];
    EXPECT_GE(live.live_heap_bytes, 4000 * 4024);
    EXPECT_GE(static_cast<double>(phases.allocated->in_use_bytes), static_cast<double>(live.live_heap_bytes));
    EXPECT_LT(static_cast<double>(phases.allocated->in_use_bytes), static_cast<double>(live.live_heap_bytes) + 1e6);
    // Every other block freed: in use drops and free-but-kept grows by what was freed (chunk headers and
    // the few chunks glibc's per-thread cache keeps "in use" make the difference).
    const double drop = static_cast<double>(phases.allocated->in_use_bytes) - static_cast<double>(phases.freed->in_use_bytes);
    const double kept = static_cast<double>(phases.freed->free_kept_bytes) - static_cast<double>(phases.allocated->free_kept_bytes);
    EXPECT_NEAR(drop, kFreedBytes, 0.05 * kFreedBytes);
    EXPECT_NEAR(kept, kFreedBytes, 0.05 * kFreedBytes);
    EXPECT_NEAR(static_cast<double>(phases.freed->footprint_bytes), static_cast<double>(phases.allocated->footprint_bytes),
                0.05 * kFreedBytes);  // nothing went back to the OS: the freed chunks are fenced in
}

TEST(TrackerAllocatorStats, JemallocIsRecognizedAndRead) {
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    RunResult r = run_free_pattern({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}});
    ASSERT_EQ(r.sink.processes.size(), 1u);
    const ProcessState& p = r.sink.processes[0];
    SCOPED_TRACE(readings(p));
    ASSERT_GE(p.allocator_stats.size(), 4u);
    for (const Stats& s : p.allocator_stats) {
        EXPECT_EQ(s.kind, Stats::Kind::jemalloc);
        EXPECT_EQ(s.footprint_bytes, s.in_use_bytes + s.free_kept_bytes);  // resident = allocated + the rest
    }
    const Phases phases = phases_of(p);
    ASSERT_NE(phases.allocated, nullptr);
    const auto& live = p.totals_at_allocator_stats[phases.allocated_index];
    // jemalloc counts size classes: 4000 bytes take 4096.
    EXPECT_GE(static_cast<double>(phases.allocated->in_use_bytes), static_cast<double>(live.live_heap_bytes));
    EXPECT_LT(static_cast<double>(phases.allocated->in_use_bytes), static_cast<double>(live.live_heap_bytes) * 1.05 + 1e6);
    const double drop = static_cast<double>(phases.allocated->in_use_bytes) - static_cast<double>(phases.freed->in_use_bytes);
    EXPECT_NEAR(drop, 2000 * 4096.0, 0.05 * kFreedBytes);
    // jemalloc gives the freed pages back to the OS once they have been dirty for its decay time (10 s by
    // default): until then they are resident but not kept, so free-but-kept stays where it was and the
    // footprint falls with the heap (counted as kept, they read as 8 MB of fragmentation).
    const double kept = static_cast<double>(phases.freed->free_kept_bytes) - static_cast<double>(phases.allocated->free_kept_bytes);
    const double footprint_drop =
        static_cast<double>(phases.allocated->footprint_bytes) - static_cast<double>(phases.freed->footprint_bytes);
    ::testing::Test::RecordProperty("jemalloc_kept_growth", std::to_string(kept));
    EXPECT_LT(std::fabs(kept), 0.25 * 2000 * 4096);
    EXPECT_NEAR(footprint_drop, drop, 0.25 * drop);
}

// jemalloc takes its extents from the OS with mmap through the PLT, so the tracker's mmap hook sees them.
// They are the blocks it serves, already counted in the live heap: counted as mapped memory too, a
// jemalloc program's heap grew at twice its true rate.
TEST(TrackerAllocatorStats, JemallocsOwnMappingsAreNotCountedTwice) {
    if (access(kJemalloc, R_OK) != 0) GTEST_SKIP() << kJemalloc << " is not installed (Debian package libjemalloc2)";
    RunResult r = run_free_pattern({{"LD_PRELOAD", tracker_library_path() + ":" + kJemalloc}});
    ASSERT_EQ(r.sink.processes.size(), 1u);
    const ProcessState& p = r.sink.processes[0];
    const Phases phases = phases_of(p);
    ASSERT_NE(phases.allocated, nullptr);
    const auto& live = p.totals_at_allocator_stats[phases.allocated_index];
    EXPECT_GE(live.live_heap_bytes, 4000 * 4000);
    // The program maps nothing itself; jemalloc mapped at least the 16 MB it serves.
    for (const auto& totals : p.totals_at_allocator_stats) EXPECT_LT(totals.mapped_bytes, 1'000'000) << "jemalloc's extents counted as mappings";
}

// The rate limit on reads, alone: one slow read (the first pays its page faults) must not leave a
// gap in a series read every round; a walk slow twice in a row is spaced by its cost.
TEST(TrackerAllocatorReadSpacing, OneSlowReadLeavesNoGapTwoInARowSpaceTheNext) {
    constexpr std::uint64_t kMs = 1000000, kUs = 1000;
    tracker::ReadSpacing spacing;
    spacing.min_spacing_ns = 20 * kMs;
    EXPECT_TRUE(spacing.due(0));
    spacing.note_read(0, 900 * kUs, 170 * kUs);  // cold first read: 170 ms of spacing on its own
    EXPECT_TRUE(spacing.due(20 * kMs));
    spacing.note_read(20 * kMs, 12 * kUs, 10 * kUs);
    EXPECT_FALSE(spacing.due(39 * kMs));
    EXPECT_TRUE(spacing.due(40 * kMs));
    spacing.note_read(40 * kMs, 30 * kMs, 10 * kUs);  // descheduled once while reading
    EXPECT_TRUE(spacing.due(60 * kMs));
    spacing.note_read(60 * kMs, 30 * kMs, 2 * kMs);  // ... and again, with a costly walk
    EXPECT_FALSE(spacing.due(60 * kMs + 599 * kMs)) << "20 x 30 ms of wall time";
    EXPECT_TRUE(spacing.due(60 * kMs + 600 * kMs));
    spacing.note_read(660 * kMs, 40 * kMs, 2 * kMs);
    EXPECT_FALSE(spacing.due(660 * kMs + 1999 * kMs)) << "1000 x 2 ms of CPU time";
    EXPECT_TRUE(spacing.due(660 * kMs + 2000 * kMs));
}

}  // namespace
}  // namespace leakscope::tracker_test
