// The tracking-lost chunk (format 2.2): a stream lost while its process ran on, read back exactly (as
// the run goes and after compaction), and bounded.
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

}  // namespace
}  // namespace leakscope::recording
