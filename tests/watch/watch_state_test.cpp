#include <gtest/gtest.h>
#include <malloc.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "watch/process_history.hpp"
#include "watch/state_dir.hpp"

namespace leakscope::watch {
namespace {
namespace fs = std::filesystem;

struct TempDir {
    fs::path path;
    TempDir() {
        char name[] = "/tmp/leakscope-watch-test-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~TempDir() { fs::remove_all(path); }
};

RunInfo info() {
    RunInfo i;
    i.command = {"svc"};
    i.pid = 4242;
    i.attached = true;
    i.start_unix_s = 1.7e9;
    i.interval_s = 10;
    return i;
}

/// A process that warms up by 50 MB in its first hour, then leaks 2 MB/h, with a little noise.
SamplePoint sample_at(double t) {
    SamplePoint s;
    s.processes = 1;
    s.threads = 4;
    const double rss = 200e6 + 50e6 * (1 - std::exp(-t / 900)) + 2e6 * t / 3600 + 3e5 * std::sin(t * 0.37);
    s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(rss);
    s.anon = s.rss * 3 / 4;
    s.file = s.rss - s.anon;
    return s;
}

TEST(StateFiles, NamesCarryPidAndStartTime) {
    const auto file = state_file("/var/lib/leakscope", {4242, "cache svc/1", 987654});
    EXPECT_EQ(file.filename(), "cache_svc_1.4242.987654.lks");
    const auto key = parse_state_file_name(file.filename().string());
    ASSERT_TRUE(key);
    EXPECT_EQ(key->pid, 4242);
    EXPECT_EQ(key->start_time, 987654u);
    EXPECT_FALSE(parse_state_file_name("notes.txt"));
    EXPECT_FALSE(parse_state_file_name("x.12.lks"));
    EXPECT_FALSE(parse_state_file_name("x.abc.12.lks"));
    EXPECT_FALSE(parse_state_file_name("x.12.34.lks.old"));
}

TEST(StateFiles, PruneKeepsLiveAndTheMostRecentGone) {
    TempDir dir;
    std::set<std::string> live;
    for (int i = 1; i <= 6; ++i) {
        const auto path = dir.path / ("p." + std::to_string(i) + ".1.lks");
        std::ofstream(path) << "x";
        fs::last_write_time(path, fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
        if (i == 1) live.insert(path.string());
    }
    std::ofstream(dir.path / "unrelated.txt") << "keep";
    prune_state_dir(dir.path, live, 2);
    EXPECT_TRUE(fs::exists(dir.path / "p.1.1.lks"));  // live, though oldest
    EXPECT_TRUE(fs::exists(dir.path / "p.6.1.lks"));
    EXPECT_TRUE(fs::exists(dir.path / "p.5.1.lks"));
    EXPECT_FALSE(fs::exists(dir.path / "p.4.1.lks"));
    EXPECT_FALSE(fs::exists(dir.path / "p.2.1.lks"));
    EXPECT_TRUE(fs::exists(dir.path / "unrelated.txt"));
}

// A week at a sample every 10 s (6x the default --every): the history's file and memory stay under
// the bounds the README states, a restart resumes the whole history, and the verdict is still right.
TEST(History, AWeekStaysBoundedAndResumes) {
    TempDir dir;
    const auto file = dir.path / "svc.4242.1.lks";
    constexpr double kStep = 10, kWeek = 7 * 86400;
    constexpr std::uint64_t kFileBound = 1u << 20;          // README: <= 1 MiB per process
    constexpr std::size_t kHeapBound = 2u << 20;            // README: <= 2 MiB of leakscope's heap per process
    const std::size_t heap_before = ::mallinfo2().uordblks;
    std::uint64_t max_file = 0;
    std::size_t max_heap = 0;
    double t = 0;
    {
        std::vector<std::string> notes;
        auto history = ProcessHistory::open(file, info(), notes);
        for (; t < kWeek / 2; t += kStep) {
            history.add(sample_at(t), info().start_unix_s + t);
            history.flush();
            max_file = std::max(max_file, fs::file_size(file));
            if (static_cast<long>(t) % 3600 == 0) max_heap = std::max(max_heap, ::mallinfo2().uordblks - heap_before);
        }
        EXPECT_TRUE(notes.empty());
    }  // watch stops (not finished: it may be killed)

    std::vector<std::string> notes;
    auto history = ProcessHistory::open(file, info(), notes);
    ASSERT_FALSE(history.model().samples.empty());
    EXPECT_NEAR(history.model().samples.front().t_s, 0, kWeek / 100);  // the first half-week is still there
    EXPECT_NEAR(history.model().samples.back().t_s, t - kStep, 1e-6);
    for (; t < kWeek; t += kStep) {
        history.add(sample_at(t), info().start_unix_s + t);
        history.flush();
        max_file = std::max(max_file, fs::file_size(file));
        if (static_cast<long>(t) % 3600 == 0) max_heap = std::max(max_heap, ::mallinfo2().uordblks - heap_before);
    }
    const auto& samples = history.model().samples;
    const auto limits = history_limits();  // the tiers migrate a quarter of the recent tier at a time
    EXPECT_LE(samples.size(), limits.recent_samples + limits.recent_samples / 4 + limits.older_buckets + 1);
    std::uint64_t raw = 0;
    for (const auto& s : samples) raw += s.merged;
    EXPECT_NEAR(static_cast<double>(raw), kWeek / kStep, 2.0);  // every sample accounted for, merged
    EXPECT_LE(max_file, kFileBound) << "state file peaked at " << max_file << " bytes";
    EXPECT_LE(max_heap, kHeapBound) << "heap peaked at " << max_heap << " bytes";
    std::printf("week at %.0f s: state file peak %llu bytes, heap peak %zu bytes, %zu points kept\n", kStep,
                static_cast<unsigned long long>(max_file), max_heap, samples.size());

    const auto analysis = history.diagnose({});
    EXPECT_TRUE(analysis.process.verdict.leak) << analysis.process.verdict.summary;
    EXPECT_NEAR(analysis.process.verdict.steady_rate_bytes_per_s * 3600, 2e6, 0.2e6);
    EXPECT_FALSE(fs::exists(file.string() + ".old"));
}

TEST(History, AnInterruptedResumeIsFoundInTheOldFile) {
    TempDir dir;
    const auto file = dir.path / "svc.4242.1.lks";
    {
        std::vector<std::string> notes;
        auto history = ProcessHistory::open(file, info(), notes);
        for (double t = 0; t < 600; t += 10) history.add(sample_at(t), info().start_unix_s + t);
        history.flush();
    }
    fs::rename(file, file.string() + ".old");  // as a resume killed between its rename and its first flush
    std::vector<std::string> notes;
    auto history = ProcessHistory::open(file, info(), notes);
    EXPECT_EQ(history.model().samples.size(), 60u);
}

TEST(History, ADamagedFileStartsAFreshHistoryWithANote) {
    TempDir dir;
    const auto file = dir.path / "svc.4242.1.lks";
    std::ofstream(file) << "not a recording";
    std::vector<std::string> notes;
    auto history = ProcessHistory::open(file, info(), notes);
    EXPECT_TRUE(history.model().samples.empty());
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("cannot resume"), std::string::npos) << notes[0];
}

}  // namespace
}  // namespace leakscope::watch
