// The fuzz target's seed corpus (tests/recording/corpus/): small recordings covering every chunk kind,
// a compacted file (older-tier samples, site grid) and a truncated one. This test checks the committed
// seeds still read as expected; with LEAKSCOPE_WRITE_RECORDING_CORPUS=1 it rewrites them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

void write_seeds(const std::filesystem::path& dir) {
    testing::write_full_recording((dir / "full.lsrec").string(), 2, true);
    testing::write_full_recording((dir / "unfinished.lsrec").string(), 1, false);

    RecordingLimits limits;
    limits.recent_samples = 8;
    limits.older_buckets = 4;
    limits.site_grid_cells = 16;
    limits.site_min_columns = 2;
    limits.site_max_columns = 4;
    limits.max_file_bytes = 64u << 10;
    auto writer = RecordingWriter::create((dir / "compacted.lsrec").string(), testing::full_run_info(), limits);
    writer.add_process("7:compacted");
    writer.add_module(Module{0x1000, 0x2000, 0, "/bin/x", "00ff", 0, 1.5, 0});
    writer.add_stack(Stack{StackId{1}, 0, {0x1100, 0x1200}});
    for (int s = 0; writer.compactions() == 0; ++s) {
        writer.add_sample(testing::full_sample(s));
        const SiteUpdate u{StackId{static_cast<std::uint32_t>(1 + s % 3)}, s, s % 5, 1, 1};
        writer.add_site_snapshot(s * 0.1, std::span(&u, 1));
        writer.flush();
    }
    writer.add_sample(testing::full_sample(-1));
    writer.finish(RunEnd{1, std::nullopt, 2, "exited"});

    auto bytes = testing::read_bytes((dir / "full.lsrec").string());
    bytes.resize(bytes.size() * 2 / 3);
    testing::write_bytes((dir / "truncated.lsrec").string(), bytes);
}

void expect_seeds_read(const std::filesystem::path& dir) {
    std::size_t seeds = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        SCOPED_TRACE(name);
        ++seeds;
        EXPECT_LT(entry.file_size(), 16u << 10) << "seeds stay small so the fuzz replay stays fast";
        const Recording r = read_recording(entry.path().string());
        EXPECT_FALSE(r.samples.empty());
        if (name == "truncated.lsrec") {
            ASSERT_FALSE(r.warnings.empty());
            EXPECT_EQ(r.warnings.back().rfind("recording truncated at byte", 0), 0u);
        } else {
            for (const auto& w : r.warnings) EXPECT_EQ(w, "tracker dropped 3 events");
        }
        if (name == "compacted.lsrec") {
            EXPECT_GT(r.samples.front().merged, 1u) << "the compacted seed holds merged buckets";
            EXPECT_FALSE(r.sites.t_s.empty());
            EXPECT_TRUE(r.end.has_value());
        }
    }
    EXPECT_EQ(seeds, 4u);
}

TEST(RecordingCorpus, FreshSeedsReadAsExpected) {
    ScratchDir dir;
    write_seeds(dir.path());
    expect_seeds_read(dir.path());
}

TEST(RecordingCorpus, CommittedSeedsReadAsExpected) {
    const std::filesystem::path committed = LEAKSCOPE_RECORDING_CORPUS_DIR;
    if (std::getenv("LEAKSCOPE_WRITE_RECORDING_CORPUS") != nullptr) {
        std::filesystem::create_directories(committed);
        write_seeds(committed);
    }
    expect_seeds_read(committed);
}

}  // namespace
}  // namespace leakscope::recording
