// The writer's file handling: permissions, overwriting, errors naming the path, visibility of flushes,
// and a writer SIGKILLed mid-run.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

mode_t file_mode(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return st.st_mode & 07777;
}

TEST(RecordingWriterFile, CreatesTheFileWithMode0600EvenOverAnExistingFile) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const mode_t old_umask = ::umask(0);
    testing::write_bytes(path, std::vector<std::uint8_t>(5000, 'x'));
    ::chmod(path.c_str(), 0666);
    {
        auto writer = RecordingWriter::create(path, testing::full_run_info());
        writer.add_sample(testing::full_sample(0));
        writer.finish(RunEnd{0, std::nullopt, 1, "exited"});
    }
    ::umask(old_umask);
    EXPECT_EQ(file_mode(path), 0600u);
    // The old content is gone: the file is a recording with exactly the new sample.
    const Recording r = read_recording(path);
    EXPECT_EQ(r.samples.size(), 1u);
    EXPECT_TRUE(r.warnings.empty());
}

TEST(RecordingWriterFile, AnUnwritablePathIsAnErrorNamingPathAndReason) {
    ScratchDir dir;
    const std::string missing_dir = dir.file("no-such-dir/run.lsrec");
    try {
        RecordingWriter::create(missing_dir, RunInfo{});
        FAIL() << "creating a recording in a missing directory must fail";
    } catch (const RecordingError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot create recording " + missing_dir + ": No such file or directory");
        EXPECT_EQ(e.path(), missing_dir);
        EXPECT_EQ(e.reason(), "No such file or directory");
    }
    const std::string under_file = dir.file("plain-file");
    testing::write_bytes(under_file, {'x'});
    try {
        RecordingWriter::create(under_file + "/run.lsrec", RunInfo{});
        FAIL() << "creating a recording below a plain file must fail";
    } catch (const RecordingError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot create recording " + under_file + "/run.lsrec: Not a directory");
    }
}

TEST(RecordingWriterFile, APathThatIsNotARegularFileIsRefusedUntouched) {
    ScratchDir dir;
    const std::string fifo = dir.file("pipe");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    try {
        RecordingWriter::create(fifo, RunInfo{});
        FAIL() << "a FIFO is not a recording file";
    } catch (const RecordingError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot create recording " + fifo + ": not a regular file");
    }
    // With a reader on the FIFO the open succeeds, and the writer must still refuse it.
    const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    try {
        RecordingWriter::create(fifo, RunInfo{});
        FAIL() << "a FIFO is not a recording file";
    } catch (const RecordingError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot create recording " + fifo + ": not a regular file");
    }
    ::close(reader);
    EXPECT_EQ(file_mode(fifo), 0644u) << "the writer must not chmod what it refuses";
}

TEST(RecordingWriterFile, AReadOnlyDirectoryIsAnErrorNamingPathAndReason) {
    if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
    ScratchDir dir;
    const std::string locked = dir.file("locked");
    ASSERT_EQ(::mkdir(locked.c_str(), 0500), 0);
    const std::string path = locked + "/run.lsrec";
    try {
        RecordingWriter::create(path, RunInfo{});
        FAIL() << "creating a recording in a read-only directory must fail";
    } catch (const RecordingError& e) {
        EXPECT_EQ(std::string(e.what()), "cannot create recording " + path + ": Permission denied");
    }
}

TEST(RecordingWriterFile, FlushedDataIsVisibleToAReaderBeforeFinish) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    auto writer = RecordingWriter::create(path, testing::full_run_info());
    for (int i = 0; i < 5; ++i) writer.add_sample(testing::full_sample(i));
    EXPECT_EQ(read_recording(path).samples.size(), 0u) << "nothing is written before flush()";
    writer.flush();
    EXPECT_EQ(read_recording(path).samples.size(), 5u);
    EXPECT_EQ(read_recording(path).info.hostname, "soak-runner-3");
    writer.finish(RunEnd{});
    EXPECT_THROW(writer.add_sample(testing::full_sample(9)), RecordingError);
}

TEST(RecordingWriterFile, TheDestructorFlushesWhatIsBuffered) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    {
        auto writer = RecordingWriter::create(path, RunInfo{});
        writer.add_sample(testing::full_sample(0));
        writer.add_sample(testing::full_sample(1));
    }
    const Recording r = read_recording(path);
    EXPECT_EQ(r.samples.size(), 2u);
    EXPECT_FALSE(r.end.has_value());
}

// The same with compaction every few flushes, so the kill also lands while a temporary file is written
// or renamed: the path must always hold a complete recording with every reported flush.
TEST(RecordingWriterFile, AWriterKilledWhileCompactingLeavesACompleteRecording) {
    ScratchDir dir;
    const std::string path = dir.file("compacting.lsrec");
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        try {
            RecordingLimits limits;
            limits.recent_samples = 200;
            limits.older_buckets = 64;
            limits.max_file_bytes = 64u << 10;
            auto writer = RecordingWriter::create(path, testing::full_run_info(), limits);
            for (int flush = 0;; ++flush) {
                for (int i = 0; i < 10; ++i) writer.add_sample(testing::full_sample(flush * 10 + i));
                const std::uint64_t before = writer.compactions();
                writer.flush();
                const char done = writer.compactions() > before ? 'c' : 'f';
                if (::write(pipe_fds[1], &done, 1) != 1) ::_exit(2);
            }
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(4);
    }
    ::close(pipe_fds[1]);
    int reported = 0;
    int compactions = 0;
    char c;
    while (compactions < 5 && ::read(pipe_fds[0], &c, 1) == 1) {
        ++reported;
        compactions += c == 'c';
    }
    ASSERT_EQ(compactions, 5) << "the child stopped early";
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    while (::read(pipe_fds[0], &c, 1) == 1) ++reported;
    ::close(pipe_fds[0]);

    const Recording r = read_recording(path);
    std::uint64_t raw = 0;
    for (const auto& p : r.samples) raw += p.merged;
    EXPECT_GE(raw, 10u * reported);
    EXPECT_LE(raw, 10u * (reported + 1));
    EXPECT_EQ(r.samples.back().rss, testing::full_sample(static_cast<int>(raw) - 1).rss);
    for (const auto& w : r.warnings) EXPECT_EQ(w.rfind("recording truncated at byte", 0), 0u) << w;
}

// A failed write (here: the file size limit, as a full disk would) must not leave half a chunk that
// hides everything flushed afterwards, nor end the run: the writer keeps the data in its model and
// says what the file lacks. Runs in a child so the limit does not affect other tests.
TEST(RecordingWriterFile, AFailedWriteLeavesTheFileCleanAndSaysWhy) {
    ScratchDir dir;
    const std::string path = dir.file("full.lsrec");
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{100000, 100000};
        ::setrlimit(RLIMIT_FSIZE, &limit);
        auto writer = RecordingWriter::create(path, testing::full_run_info());
        for (int f = 0; f < 100000; ++f) {
            for (int i = 0; i < 50; ++i) writer.add_sample(testing::full_sample(f * 50 + i));
            writer.flush();  // never throws for a write error
            if (const auto lacking = writer.unwritten()) {
                for (int more = 0; more < 25; ++more) writer.flush();  // retries fail quietly, no warning per try
                const bool expected = lacking->find("could not be written (File too large)") != std::string::npos;
                std::size_t warnings = 0;
                for (const auto& w : writer.model().warnings) warnings += w.find("could not be written") != std::string::npos;
                ::_exit(expected && writer.file_bytes() <= 100000 && warnings == 1 &&
                                writer.model().samples.size() >= static_cast<std::size_t>(f * 50)
                            ? 0
                            : 1);
            }
        }
        ::_exit(2);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "1: wrong message, size or model, 2: the limit never hit";
    const Recording r = read_recording(path);
    EXPECT_GT(r.samples.size(), 1000u);
    // Either still behind (no damage, no warning yet) or caught up by a compacted rewrite that fit
    // under the limit (then the file says what happened).
    for (const auto& w : r.warnings) EXPECT_EQ(w.rfind("the recording could not be written (File too large)", 0), 0u) << w;
}

TEST(RecordingWriterFile, ALeftoverCompactionTempFileIsRemovedByTheNextWriter) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    testing::write_bytes(path + ".compact.Ab12Cd", {'x'});
    testing::write_bytes(dir.file("other.lsrec.compact.Ab12Cd"), {'x'});
    auto writer = RecordingWriter::create(path, RunInfo{});
    EXPECT_FALSE(std::filesystem::exists(path + ".compact.Ab12Cd"));
    EXPECT_TRUE(std::filesystem::exists(dir.file("other.lsrec.compact.Ab12Cd"))) << "another recording's file stays";
}

TEST(RecordingWriterFile, InvalidLimitsAreRejected) {
    ScratchDir dir;
    RecordingLimits limits;
    limits.older_buckets = 3;
    EXPECT_THROW(RecordingWriter::create(dir.file("run.lsrec"), RunInfo{}, limits), RecordingError);
}

// The child writes 10 samples and one site snapshot per flush and reports each finished flush on a
// pipe; the parent SIGKILLs it mid-run and must read back every flush the child reported.
TEST(RecordingWriterFile, AWriterKilledMidRunLeavesEverythingUpToTheLastFlush) {
    ScratchDir dir;
    const std::string path = dir.file("killed.lsrec");
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        try {
            auto writer = RecordingWriter::create(path, testing::full_run_info());
            writer.add_process("1:child");
            for (int flush = 0;; ++flush) {
                for (int i = 0; i < 10; ++i) writer.add_sample(testing::full_sample(flush * 10 + i));
                const SiteUpdate update{StackId{1}, 100 * flush, flush, static_cast<std::uint64_t>(flush), 100ull * flush};
                writer.add_site_snapshot(flush, std::span(&update, 1));
                writer.flush();
                const char done = 'f';
                if (::write(pipe_fds[1], &done, 1) != 1) ::_exit(2);
                ::usleep(500);
            }
        } catch (...) {
            ::_exit(3);
        }
        ::_exit(4);
    }
    ::close(pipe_fds[1]);
    int reported = 0;
    char c;
    while (reported < 40 && ::read(pipe_fds[0], &c, 1) == 1) ++reported;
    ASSERT_EQ(reported, 40) << "the child stopped early";
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    while (::read(pipe_fds[0], &c, 1) == 1) ++reported;  // flushes reported before the kill landed
    ::close(pipe_fds[0]);

    const Recording r = read_recording(path);
    // Every reported flush is there; at most one more (flushed, killed before it could report).
    ASSERT_GE(r.samples.size(), 10u * reported);
    ASSERT_LE(r.samples.size(), 10u * (reported + 1));
    for (std::size_t i = 0; i < r.samples.size(); ++i) {
        ASSERT_EQ(r.samples[i].rss, testing::full_sample(static_cast<int>(i)).rss) << "sample " << i;
    }
    EXPECT_GE(r.sites.t_s.size(), static_cast<std::size_t>(reported));
    EXPECT_EQ(r.processes, std::vector<std::string>{"1:child"});
    EXPECT_FALSE(r.end.has_value());
    // A kill inside write(2) could leave half a chunk: then (only then) the reader says so.
    for (const auto& w : r.warnings) EXPECT_EQ(w.rfind("recording truncated at byte", 0), 0u) << w;
}

}  // namespace
}  // namespace leakscope::recording
