// The tracking-lost chunk (format 2.2): a stream lost while its process ran on, read back exactly (as
// the run goes and after compaction), and bounded; a silent stream's stale samples are forgotten.
#include <gtest/gtest.h>

#include "recording/bounded_recording.hpp"
#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

TrackingLoss loss_of(std::uint32_t process) {
    return {process, 2.5 + process, "its stream ended while it still ran (it closed or corrupted the tracker's socket)"};
}

void expect_losses(const Recording& read, std::uint32_t count) {
    ASSERT_EQ(read.tracking_lost.size(), count);
    for (std::uint32_t p = 0; p < count; ++p) {
        EXPECT_EQ(read.tracking_lost[p].process, p);
        EXPECT_EQ(read.tracking_lost[p].t_s, 2.5 + p);
        EXPECT_EQ(read.tracking_lost[p].reason, loss_of(p).reason);
    }
}

TEST(TrackingLostChunk, LossesReadBackAsTheRunGoesAndAtTheEnd) {
    ScratchDir dir;
    const std::string path = dir.file("lost.lks");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    writer.add_process("100:t");
    writer.add_process("101:u");
    writer.add_tracking_loss(loss_of(0));
    writer.add_tracking_loss(loss_of(1));
    writer.flush();
    expect_losses(read_recording(path), 2);  // leakscope killed after this flush keeps them
    writer.finish(RunEnd{});
    expect_losses(read_recording(path), 2);
}

TEST(TrackingLostChunk, CompactionKeepsTheLosses) {
    ScratchDir dir;
    const std::string path = dir.file("lost.lks");
    RecordingLimits limits;
    limits.max_file_bytes = 64u << 10;
    auto writer = RecordingWriter::create(path, testing::full_run_info(), limits);
    writer.add_process("100:t");
    writer.add_tracking_loss(loss_of(0));
    writer.flush();
    testing::add_incompressible_warnings(writer, 4000);
    writer.flush();
    ASSERT_GE(writer.compactions(), 1u);
    expect_losses(read_recording(path), 1);
}

TEST(TrackingLostChunk, LossesAreBounded) {
    ScratchDir dir;
    const std::string path = dir.file("lost.lks");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    for (std::uint32_t p = 0; p < BoundedRecording::kMaxTrackingLosses + 10; ++p) writer.add_tracking_loss(loss_of(p));
    writer.flush();
    EXPECT_EQ(read_recording(path).tracking_lost.size(), BoundedRecording::kMaxTrackingLosses);
}

SamplePoint sample_at(double t_s, std::uint64_t heap) {
    SamplePoint s;
    s.t_s = t_s;
    s.rss = s.rss_min = s.rss_max = 50u << 20;
    s.live_heap = s.live_heap_min = s.live_heap_max = heap;
    s.mapped = s.allocations = s.frees = heap;
    return s;
}

/// A stream found silent at 9 s whose last report came at 3 s: the samples after 3 s carried its last
/// totals as if current, up to the one where it was found (unknown); known again once it ended (12 s).
void expect_stale_heap_forgotten(const Recording& r) {
    ASSERT_EQ(r.samples.size(), 12u);
    for (const auto& s : r.samples) {
        const bool stale_or_lost = s.t_s > 3.0 && s.t_s < 12.0;
        EXPECT_EQ(known(s.live_heap), !stale_or_lost) << s.t_s;
        EXPECT_EQ(known(s.live_heap_max) || known(s.mapped) || known(s.allocations) || known(s.frees), !stale_or_lost) << s.t_s;
        EXPECT_EQ(s.rss, 50u << 20) << "RSS stays";
    }
}

TEST(TrackingLostChunk, ASilentStreamsStaleSamplesAreUnknownInTheRunAndWhenReadBack) {
    ScratchDir dir;
    const std::string path = dir.file("silent.lks");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    writer.add_process("100:t");
    for (int t = 1; t <= 8; ++t) writer.add_sample(sample_at(t, 1000000));  // the stale ones unchanged
    writer.flush();  // on disk as they were taken
    writer.add_tracking_loss({0, 3.0, "its tracker stopped reporting while it ran"});
    for (int t = 9; t <= 11; ++t) writer.add_sample(sample_at(t, kUnknownBytes));
    writer.add_sample(sample_at(12, 2000000));
    expect_stale_heap_forgotten(writer.model());
    writer.finish(RunEnd{});
    expect_stale_heap_forgotten(read_recording(path));
}

TEST(TrackingLostChunk, AnEndedStreamsLossForgetsNothing) {
    ScratchDir dir;
    const std::string path = dir.file("ended.lks");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    for (int t = 1; t <= 3; ++t) writer.add_sample(sample_at(t, 1000000));
    writer.add_tracking_loss({0, 4.0, "its stream ended while it still ran"});
    writer.add_sample(sample_at(4, kUnknownBytes));
    writer.add_sample(sample_at(5, 3000000));  // the lost process ended: the rest is known again
    writer.finish(RunEnd{});
    const auto read = read_recording(path);
    ASSERT_EQ(read.samples.size(), 5u);
    for (const auto& s : read.samples) EXPECT_EQ(known(s.live_heap), s.t_s != 4.0) << s.t_s;
}

}  // namespace
}  // namespace leakscope::recording
