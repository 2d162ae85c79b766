// The process-exit chunk (format 1.1): what each ended process still held, read back exactly, kept by
// compaction, and bounded.
#include <gtest/gtest.h>

#include "recording/bounded_recording.hpp"
#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

ProcessExit exit_of(std::uint32_t process, bool clean) {
    ProcessExit e;
    e.process = process;
    e.t_s = 0.004 + process;
    e.clean = clean;
    e.live_heap_bytes = 500048;
    e.live_allocations = 5001;
    e.mapped_bytes = -1;  // signed fields stay signed
    e.allocations = 10003;
    e.frees = 5002;
    return e;
}

std::vector<ExitSite> sites_of(std::uint32_t process) {
    return {{StackId{7 + process}, process, 500000, 5000, 10000, 1000000}, {StackId{9 + process}, process, 48, 1, 1, 48}};
}

void expect_exits(const Recording& read, std::uint32_t processes) {
    ASSERT_EQ(read.exits.size(), processes);
    ASSERT_EQ(read.exit_sites.size(), 2u * processes);
    for (std::uint32_t p = 0; p < processes; ++p) {
        const ProcessExit expected = exit_of(p, p == 0);
        const ProcessExit& e = read.exits[p];
        EXPECT_EQ(e.process, p);
        EXPECT_EQ(e.t_s, expected.t_s);
        EXPECT_EQ(e.clean, expected.clean);
        EXPECT_EQ(e.live_heap_bytes, 500048);
        EXPECT_EQ(e.live_allocations, 5001);
        EXPECT_EQ(e.mapped_bytes, -1);
        EXPECT_EQ(e.allocations, 10003u);
        EXPECT_EQ(e.frees, 5002u);
    }
    const ExitSite& s = read.exit_sites[0];
    EXPECT_EQ(s.stack, StackId{7});
    EXPECT_EQ(s.live_bytes, 500000);
    EXPECT_EQ(s.live_count, 5000);
    EXPECT_EQ(s.total_allocations, 10000u);
    EXPECT_EQ(s.total_bytes, 1000000u);
    EXPECT_EQ(read.exit_sites[1].live_bytes, 48);
}

TEST(ProcessExitChunk, ExitsAndTheirSitesReadBackExactly) {
    ScratchDir dir;
    const std::string path = dir.file("exit.lsrec");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    for (std::uint32_t p = 0; p < 2; ++p) {
        writer.add_process(std::to_string(100 + p) + ":t");
        writer.add_process_exit(exit_of(p, p == 0), sites_of(p));
    }
    writer.flush();
    // Readable as it goes (leakscope killed after this flush keeps the exits).
    expect_exits(read_recording(path), 2);
    writer.finish(RunEnd{});
    expect_exits(read_recording(path), 2);
}

TEST(ProcessExitChunk, CompactionKeepsTheExits) {
    ScratchDir dir;
    const std::string path = dir.file("exit.lsrec");
    RecordingLimits limits;
    limits.max_file_bytes = 64u << 10;  // the smallest bound: the filler below outgrows it
    auto writer = RecordingWriter::create(path, testing::full_run_info(), limits);
    writer.add_process("100:t");
    writer.add_process_exit(exit_of(0, true), sites_of(0));
    writer.flush();
    testing::add_incompressible_warnings(writer, 4000);
    writer.flush();
    ASSERT_GE(writer.compactions(), 1u);
    expect_exits(read_recording(path), 1);
}

TEST(ProcessExitChunk, ExitsAreBounded) {
    ScratchDir dir;
    const std::string path = dir.file("exit.lsrec");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    for (std::uint32_t p = 0; p < BoundedRecording::kMaxProcessExits + 10; ++p) writer.add_process_exit(exit_of(p, true), {});
    writer.flush();
    EXPECT_EQ(read_recording(path).exits.size(), BoundedRecording::kMaxProcessExits);
}

}  // namespace
}  // namespace leakscope::recording
