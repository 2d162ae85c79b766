// Every hook, checked by exact live bytes and counts at its call site, plus the process totals.
#include <unistd.h>

#include <gtest/gtest.h>

#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

class TrackerHooks : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        run_ = new RunResult(run_program({target_path("tracker_alloc_patterns"), "hooks"}));
    }
    static void TearDownTestSuite() { delete run_; }

    SiteTotals site(const std::string& function) {
        return sites_in_function(run_->sink, 0, target_path("tracker_alloc_patterns"), function);
    }
    static RunResult* run_;
};
RunResult* TrackerHooks::run_ = nullptr;

TEST_F(TrackerHooks, ProgramBehavesAsWithoutTracker) {
    EXPECT_EQ(run_->exit_code, 0) << run_->err;
    EXPECT_EQ(run_->out, "hooks done, 0 failures\n");
    EXPECT_EQ(run_->err, "");
    ASSERT_EQ(run_->sink.processes.size(), 1u);
    EXPECT_TRUE(run_->sink.processes[0].ended);
    EXPECT_TRUE(run_->sink.processes[0].clean) << "the exit flush said goodbye";
    EXPECT_TRUE(run_->sink.errors.empty()) << run_->sink.errors.front();
    EXPECT_TRUE(run_->warnings.empty());
}

TEST_F(TrackerHooks, MallocCallocReallocFamily) {
    auto m = site("leak_malloc");
    EXPECT_EQ(m.live_bytes, 1000);
    EXPECT_EQ(m.live_count, 10);
    EXPECT_EQ(m.total_allocations, 10u);
    auto c = site("leak_calloc");
    EXPECT_EQ(c.live_bytes, 5 * 200);
    EXPECT_EQ(c.live_count, 5);
    auto r = site("leak_realloc");  // realloc(null, 64) then realloc to 1000: one live block of 1000
    EXPECT_EQ(r.live_bytes, 1000);
    EXPECT_EQ(r.live_count, 1);
    EXPECT_EQ(r.total_allocations, 2u);
    EXPECT_EQ(r.total_bytes, 1064u);
    auto ra = site("leak_reallocarray");
    EXPECT_EQ(ra.live_bytes, 300);
    EXPECT_EQ(ra.live_count, 1);
}

TEST_F(TrackerHooks, AlignedFamily) {
    auto pm = site("leak_posix_memalign");  // alignments 16..4096: 9 blocks of 48 bytes
    EXPECT_EQ(pm.live_bytes, 9 * 48);
    EXPECT_EQ(pm.live_count, 9);
    auto aa = site("leak_aligned_alloc");  // alignments 64..8192, 2x alignment bytes each
    std::int64_t expected = 0;
    for (std::int64_t a = 64; a <= 8192; a *= 2) expected += 2 * a;
    EXPECT_EQ(aa.live_bytes, expected);
    EXPECT_EQ(aa.live_count, 8);
    EXPECT_EQ(site("leak_memalign").live_bytes, 77);
    EXPECT_EQ(site("leak_valloc").live_bytes, 10);
    EXPECT_EQ(site("leak_pvalloc").live_bytes, 4096);  // pvalloc rounds up to a page
}

TEST_F(TrackerHooks, FreedBlocksLeaveNothingLive) {
    auto f = site("freed_everything");
    EXPECT_GE(f.stacks, 1u);
    EXPECT_EQ(f.live_bytes, 0);
    EXPECT_EQ(f.live_count, 0);
    EXPECT_EQ(f.total_allocations, 20u + 1 + 1) << "20 malloc/free, the realloc(p, 0) block, the usable-size probe";
}

TEST_F(TrackerHooks, FreeKeepsErrnoWhileTheTableShrinks) {
    // The program checks errno after each free (ProgramBehavesAsWithoutTracker: 0 failures).
    auto f = site("freed_keeping_errno");
    EXPECT_EQ(f.live_count, 0);
    EXPECT_EQ(f.total_allocations, 40000u);
}

TEST_F(TrackerHooks, OperatorNewEveryForm) {
    auto n = site("leak_new");
    EXPECT_EQ(n.live_bytes, 40 + static_cast<std::int64_t>(sizeof(int)));
    EXPECT_EQ(n.live_count, 2);
    EXPECT_EQ(site("leak_new_nothrow").live_bytes, 24);
    auto a = site("leak_new_aligned");
    EXPECT_EQ(a.live_bytes, 256 * 3);
    EXPECT_EQ(a.live_count, 2);
    auto f = site("freed_new");
    EXPECT_EQ(f.live_bytes, 0);
    EXPECT_EQ(f.live_count, 0);
    EXPECT_GE(f.total_allocations, 6u);
}

TEST_F(TrackerHooks, AnonymousMappings) {
    auto m = site("leak_mmap");
    // 3 x 64 KiB, 8 pages with a 2-page hole, 4 pages remapped to 10; the 5-page map was unmapped.
    EXPECT_EQ(m.live_bytes, 3 * 65536 + 6 * 4096 + 10 * 4096);
    EXPECT_EQ(m.live_count, 3 + 1 + 1);
    ASSERT_TRUE(run_->sink.processes[0].totals);
    EXPECT_GE(run_->sink.processes[0].totals->mapped_bytes, 3 * 65536 + 16 * 4096);
}

TEST_F(TrackerHooks, MappingsOfMemoryBackedFilesCountAndFilesOnDiskDoNot) {
    auto m = site("leak_memory_file_mappings");
    const bool shm_there = access("/dev/shm", W_OK) == 0;
    // The memfd's 16 pages and, where /dev/shm exists, the shared-memory file's 4; not the binary's page.
    EXPECT_EQ(m.live_bytes, (16 + (shm_there ? 4 : 0)) * 4096);
    EXPECT_EQ(m.live_count, shm_there ? 2 : 1);
}

TEST_F(TrackerHooks, AReservationAndWhatIsCommittedInItAreTheRuntimesOwn) {
    auto r = site("reserve_and_commit");
    EXPECT_EQ(r.live_bytes, 0) << "a PROT_NONE reservation (64 MiB) or the pages committed in it were counted";
    auto f = site("remap_fixed");
    EXPECT_EQ(f.live_bytes, 8 * 4096) << "a MAP_FIXED mapping over an ordinary one must still count";
    EXPECT_EQ(f.live_count, 2);
}

TEST_F(TrackerHooks, TotalsAddUp) {
    const auto& p = run_->sink.processes[0];
    ASSERT_TRUE(p.totals);
    EXPECT_EQ(p.totals->allocations - p.totals->frees, static_cast<std::uint64_t>(p.totals->live_allocations));
    std::int64_t site_bytes = 0, site_count = 0;
    for (const auto& [id, s] : p.sites) {
        site_bytes += s.live_bytes;
        site_count += s.live_count;
    }
    // Sites hold heap and mapped bytes; totals split them.
    EXPECT_EQ(site_bytes, p.totals->live_heap_bytes + p.totals->mapped_bytes);
    EXPECT_GT(p.totals->live_heap_bytes, 1000);
}

TEST_F(TrackerHooks, ModuleMapHasTheProgramAndLibc) {
    const auto& p = run_->sink.processes[0];
    bool exe = false, libc = false;
    for (const auto& m : p.modules) {
        exe |= m.path == target_path("tracker_alloc_patterns") && m.start < m.end && !m.build_id.empty();
        libc |= m.path.find("libc.so") != std::string::npos;
    }
    EXPECT_TRUE(exe);
    EXPECT_TRUE(libc);
    EXPECT_EQ(p.info.comm, "tracker_alloc_p");  // comm is cut at 15 characters
}

}  // namespace
}  // namespace leakscope::tracker_test
