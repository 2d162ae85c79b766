// Samples that catch the target's exit are not steady state: a heap falling off a cliff as destructors
// run, or threads ending (their stacks and arena pages leave RSS while the heap stays). Either is cut
// from the end of the run before the verdict.
#include <gtest/gtest.h>

#include <algorithm>

#include "analysis/analysis.hpp"
#include "recording_builders.hpp"

namespace leakscope::analysis {
namespace {

// A two-thread service, flat, whose last sample may land while its workers exit.
Recording flat_service(bool last_sample_in_thread_exit) {
    Recording r = testing::tracked_recording("100:service");
    for (int i = 0; i < 140; ++i) {
        SamplePoint s = testing::heap_sample(i, 3'300'000 + (i % 2) * 2'000, 3);
        s.anon = 7'000'000 + (i % 3) * 4'096;
        s.file = 3'200'000;
        s.allocator_footprint = 4'800'000;
        s.allocator_free = 1'000'000;
        if (last_sample_in_thread_exit && i == 139) {
            s.threads = 1;
            s.anon -= 700'000;
        }
        s.rss = s.rss_min = s.rss_max = s.anon + s.file;
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 14.0);
    return r;
}

TEST(Teardown, ASampleWhileThreadsExitIsCutFromTheRun) {
    const Recording recording = flat_service(true);
    const Analysis a = analyze(recording);
    EXPECT_DOUBLE_EQ(a.judged_until_s, recording.samples[138].t_s);
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    EXPECT_NE(a.process.verdict.pattern, diagnosis::Pattern::fragmentation) << a.process.verdict.summary;
}

TEST(Teardown, AllThreadsToTheEndKeepEverySample) {
    const Analysis a = analyze(flat_service(false));
    EXPECT_FALSE(a.judged_until_s < 14.0) << a.judged_until_s;
}

// A flat service whose last sample caught the exit paging in code it had not run (glibc loading
// libgcc_s to unwind the exiting threads: +156 kB of file-backed pages, anonymous memory unchanged),
// or, with `file_leak`, one that maps a file's pages 64 kB a sample all along (a leak of mapped files).
Recording code_paged_in_at_exit(bool file_leak) {
    Recording r = flat_service(false);
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        SamplePoint& s = r.samples[i];
        if (file_leak) s.file += 64 * 1024 * i;
        if (i + 1 == r.samples.size()) s.file += 156 * 1024;
        s.rss = s.rss_min = s.rss_max = s.anon + s.file;
    }
    return r;
}

TEST(Teardown, CodePagedInByTheExitAloneIsCutFromTheRun) {
    const Recording recording = code_paged_in_at_exit(false);
    EXPECT_DOUBLE_EQ(analyze(recording).judged_until_s, recording.samples[138].t_s);
}

TEST(Teardown, FileBackedPagesGrowingAllAlongKeepTheirLastSample) {
    EXPECT_FALSE(analyze(code_paged_in_at_exit(true)).judged_until_s < 14.0);
}

// A Python list growing 2 MB/s (examples/patterns/python/teardown_list.py) whose interpreter frees it
// over three samples at exit and then idles at the bottom for six more before it is gone.
Recording list_freed_slowly_at_exit() {
    Recording r = testing::tracked_recording("100:python3");
    for (int i = 0; i < 210; ++i) {
        double heap = 2'000'000 + 200'000.0 * i;  // 2 MB/s
        if (i >= 201) heap = std::max(1'000'000.0, 40'000'000.0 - 12'000'000.0 * (i - 200));
        SamplePoint s = testing::heap_sample(i, heap);
        s.anon = static_cast<std::uint64_t>(6'000'000 + std::min(heap, 2'000'000 + 200'000.0 * 200));
        s.file = 5'000'000;
        s.rss = s.rss_min = s.rss_max = s.anon + s.file;
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 21.0);
    return r;
}

TEST(Teardown, AHeapFreedOverSeveralSamplesThenIdleAtTheBottomIsCutWhole) {
    const Recording recording = list_freed_slowly_at_exit();
    const Analysis a = analyze(recording);
    EXPECT_DOUBLE_EQ(a.judged_until_s, recording.samples[200].t_s);
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
}

// A batch job (examples/patterns/periodic_batch.cpp): 30 MB held for 0.5 s every 2 s and freed, the
// heap resting at 73 kB between batches. The run may end anywhere in a rest, and a rest of `rest_at_end`
// samples after the last batch must not read as the program's heap falling at exit.
Recording batch_job(int rest_at_end) {
    Recording r = testing::tracked_recording("100:batch");
    const int n = 100 + rest_at_end;
    for (int i = 0; i < n; ++i) {
        const bool in_batch = i < 100 && i % 20 >= 15;  // the last batch ends at the 100th sample
        SamplePoint s = testing::heap_sample(i, in_batch ? 31'530'240 : 72'960);
        s.anon = static_cast<std::uint64_t>(2'000'000 + (in_batch ? 31'530'240 : 20'000'000));
        s.file = 3'000'000;
        s.rss = s.rss_min = s.rss_max = s.anon + s.file;
        r.samples.push_back(s);
    }
    testing::end_run(r, "exited", 0.1 * n + 0.1);
    return r;
}

TEST(Teardown, ARunEndingInTheRestBetweenBatchesKeepsItsLastSamples) {
    // 13 samples of rest after the last batch: more than a tenth of the run, the longest cut there is.
    const Recording recording = batch_job(13);
    const Analysis a = analyze(recording);
    EXPECT_FALSE(a.judged_until_s < recording.samples.back().t_s) << a.judged_until_s;
    EXPECT_EQ(a.process.verdict.pattern, diagnosis::Pattern::periodic_spikes) << a.process.verdict.summary;
    EXPECT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
}

TEST(Teardown, AFallBackToTheLevelTheRunStartedAtIsStillATeardown) {
    // The list of AHeapFreedOverSeveralSamplesThenIdleAtTheBottomIsCutWhole, freed down to where the
    // heap was before it grew: the start is where the heap came from, not a level it came back to.
    Recording recording = list_freed_slowly_at_exit();
    for (std::size_t i = 201; i < recording.samples.size(); ++i) {
        recording.samples[i].live_heap = recording.samples[i].live_heap_min = recording.samples[i].live_heap_max = 2'000'000;
    }
    const Analysis a = analyze(recording);
    EXPECT_DOUBLE_EQ(a.judged_until_s, recording.samples[200].t_s);
    EXPECT_TRUE(a.process.verdict.leak) << a.process.verdict.summary;
}

}  // namespace
}  // namespace leakscope::analysis
