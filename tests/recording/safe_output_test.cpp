// Outputs never follow symlinks (issue 16, item 2): the recording writer and util::OutputFile (which
// every report writer uses) refuse a link or a non-regular file at the path with one line, leave its
// target untouched, replace a regular file whole with a private (0600) one, and leave nothing behind
// when they fail.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "recording/recording_error.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"
#include "util/output_file.hpp"

namespace leakscope::recording {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

std::string contents(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 07777;
}

/// A "root-owned file" stand-in: its content and mode must survive.
std::string precious_file(const ScratchDir& dir) {
    const std::string victim = dir.file("victim");
    std::ofstream(victim) << "precious\n";
    ::chmod(victim.c_str(), 0644);
    return victim;
}

std::size_t entries(const std::string& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(SafeOutput, TheRecordingWriterRefusesASymlinkAndLeavesItsTargetAlone) {
    ScratchDir dir;
    const std::string victim = precious_file(dir);
    const std::string link = dir.file("run.lks");
    ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
    try {
        RecordingWriter::create(link, RunInfo{});
        FAIL() << "wrote through a symlink";
    } catch (const RecordingError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.rfind("cannot create recording " + link + ": a symbolic link", 0), 0u) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos);
    }
    EXPECT_EQ(contents(victim), "precious\n");
    EXPECT_EQ(mode_of(victim), 0644u);
    EXPECT_EQ(entries(dir.path().string()), 2u) << "no temporary left behind";
}

TEST(SafeOutput, AReportRefusesASymlinkAndADirectory) {
    ScratchDir dir;
    const std::string victim = precious_file(dir);
    const std::string link = dir.file("report.json");
    ASSERT_EQ(::symlink(victim.c_str(), link.c_str()), 0);
    EXPECT_THROW(util::write_output_file(link, "{}"), util::OutputError);
    EXPECT_EQ(contents(victim), "precious\n");
    EXPECT_EQ(mode_of(victim), 0644u);
    // A dangling link (the classic /tmp plant: the target does not exist yet) is refused too.
    const std::string dangling = dir.file("dangling.html");
    ASSERT_EQ(::symlink(dir.file("would-be-created").c_str(), dangling.c_str()), 0);
    EXPECT_THROW(util::write_output_file(dangling, "<html>"), util::OutputError);
    EXPECT_FALSE(fs::exists(dir.file("would-be-created")));
    fs::create_directory(dir.file("a-dir"));
    try {
        util::write_output_file(dir.file("a-dir"), "x");
        FAIL();
    } catch (const util::OutputError& e) {
        EXPECT_EQ(std::string(e.what()), dir.file("a-dir") + ": not a regular file");
    }
}

TEST(SafeOutput, AnExistingRegularFileIsReplacedWholeAndPrivate) {
    ScratchDir dir;
    const std::string path = dir.file("report.md");
    std::ofstream(path) << std::string(10000, 'x');
    ::chmod(path.c_str(), 0666);
    struct stat before {};
    ::stat(path.c_str(), &before);
    util::write_output_file(path, "new\n");
    EXPECT_EQ(contents(path), "new\n");
    EXPECT_EQ(mode_of(path), 0600u) << "reports hold argv and paths: private, like the recording";
    struct stat after {};
    ::stat(path.c_str(), &after);
    EXPECT_NE(before.st_ino, after.st_ino) << "a new file renamed over, not the old one truncated (hard links stay intact)";
    EXPECT_EQ(entries(dir.path().string()), 1u);
}

TEST(SafeOutput, ANewRecordingIsPrivateAndOnlyAppearsWithItsHeader) {
    ScratchDir dir;
    const std::string path = dir.file("run.lks");
    std::ofstream(path) << "old";
    ::chmod(path.c_str(), 0644);
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_GT(fs::file_size(path), 16u) << "the header and run info are there from the start";
    EXPECT_EQ(entries(dir.path().string()), 1u);
}

}  // namespace
}  // namespace leakscope::recording
