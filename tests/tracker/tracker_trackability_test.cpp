// What cannot be tracked is detected and said in one line: static binaries, setuid programs, programs
// that never call malloc.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "collector/trackability.hpp"
#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

TEST(TrackerTrackability, DynamicProgramIsTrackable) {
    auto t = collector::check_trackable(target_path("tracker_alloc_patterns"));
    EXPECT_TRUE(t.trackable) << t.reason;
    EXPECT_TRUE(collector::check_trackable("sh").trackable) << "found through PATH";
}

TEST(TrackerTrackability, StaticBinaryIsNot) {
    auto t = collector::check_trackable(target_path("tracker_static_target"));
    EXPECT_FALSE(t.trackable);
    EXPECT_NE(t.reason.find("statically linked"), std::string::npos) << t.reason;
    EXPECT_EQ(t.reason.find('\n'), std::string::npos) << "one line";
    // And indeed it never connects when run under the tracker anyway.
    RunResult run = run_program({target_path("tracker_static_target")});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_FALSE(run.ever_connected);
}

TEST(TrackerTrackability, SetuidProgramIsNot) {
    auto copy = std::filesystem::temp_directory_path() / ("leakscope-setuid-" + std::to_string(getpid()));
    std::filesystem::copy_file(target_path("tracker_alloc_patterns"), copy, std::filesystem::copy_options::overwrite_existing);
    ASSERT_EQ(chmod(copy.c_str(), 04755), 0);
    auto t = collector::check_trackable(copy.string());
    std::filesystem::remove(copy);
    EXPECT_FALSE(t.trackable);
    EXPECT_NE(t.reason.find("setuid"), std::string::npos) << t.reason;
}

TEST(TrackerTrackability, MissingOrNotAProgram) {
    EXPECT_FALSE(collector::check_trackable("/nonexistent/program").trackable);
    EXPECT_FALSE(collector::check_trackable("no-such-program-leakscope").trackable);
    auto text = std::filesystem::temp_directory_path() / ("leakscope-text-" + std::to_string(getpid()));
    {
        std::FILE* f = std::fopen(text.c_str(), "w");
        std::fputs("\x7f" "ELF garbage", f);
        std::fclose(f);
    }
    auto t = collector::check_trackable(text.string());
    std::filesystem::remove(text);
    EXPECT_FALSE(t.trackable) << "a truncated ELF header is reported, not crashed on";
}

TEST(TrackerTrackability, ProgramThatNeverCallsMallocNeverConnects) {
    RunResult run = run_program({target_path("tracker_no_malloc")});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.out, "no malloc here\n");
    EXPECT_FALSE(run.ever_connected);
    std::string reason = collector::explain_never_connected("tracker_no_malloc");
    EXPECT_NE(reason.find("never allocated through malloc"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::tracker_test
