// Crafted recordings (issue 16, item 7): a file is read one chunk at a time after its header is
// checked, and the totals over all chunks are capped (read_budget.hpp), so neither a huge sparse file
// nor a small file of highly compressible chunks makes the reader hold gigabytes.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/recording_error.hpp"
#include "recording/recording_reader.hpp"

namespace leakscope::recording {
namespace {

namespace fs = std::filesystem;

fs::path scratch_file(const std::string& name) {
    return fs::temp_directory_path() / ("leakscope-crafted-" + std::to_string(::getpid()) + "-" + name);
}

long max_rss_kib() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

/// A header and `chunks` warnings chunks, each 8 MiB of warnings once decompressed (a few KB stored).
std::vector<std::uint8_t> warning_bomb(int chunks) {
    std::vector<std::uint8_t> file;
    append_file_header(file);
    ChunkEncoder encoder(3);
    std::vector<std::uint8_t> payload;
    PayloadWriter w(payload);
    const std::string warning(1000, 'w');
    const int per_chunk = (8 << 20) / 1003 - 1;
    w.varint(static_cast<std::uint64_t>(per_chunk));
    for (int i = 0; i < per_chunk; ++i) w.string(warning);
    for (int c = 0; c < chunks; ++c) encoder.append(ChunkKind::warnings, payload, file);
    return file;
}

TEST(RecordingCrafted, CompressedWarningsCannotExpandWithoutBound) {
    const auto file = warning_bomb(200);  // 1.6 GB of warnings once expanded
    ASSERT_LT(file.size(), 2u << 20) << "the bomb is small on disk";
    const long rss_before = max_rss_kib();
    try {
        read_recording_bytes(file, "bomb.lks");
        FAIL() << "a recording with 1.6 GB of warnings was read";
    } catch (const RecordingError& e) {
        EXPECT_NE(std::string(e.what()).find("more than 4194304 bytes of warnings"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line";
    }
    EXPECT_LT(max_rss_kib() - rss_before, 200 * 1024) << "peak RSS grew by " << (max_rss_kib() - rss_before) << " KiB";
}

TEST(RecordingCrafted, AHugeSparseFileIsStreamedNotReadWhole) {
    // A valid header, then 64 GB of holes: the reader must neither allocate 64 GB nor read it all.
    const fs::path path = scratch_file("sparse.lks");
    {
        std::vector<std::uint8_t> header;
        append_file_header(header);
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(header.data()),
                                                    static_cast<std::streamsize>(header.size()));
    }
    fs::resize_file(path, 64ull << 30);
    const auto start = std::chrono::steady_clock::now();
    const long rss_before = max_rss_kib();
    Recording r;
    ASSERT_NO_THROW(r = read_recording(path.string()));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024);
    ASSERT_FALSE(r.warnings.empty());
    EXPECT_NE(r.warnings.back().find("damaged at byte 16"), std::string::npos) << r.warnings.back();
    fs::remove(path);
}

TEST(RecordingCrafted, TheHeaderIsCheckedBeforeTheRestIsRead) {
    const fs::path path = scratch_file("not-a-recording.bin");
    std::ofstream(path, std::ios::binary) << "not a recording";
    fs::resize_file(path, 4ull << 30);
    const auto start = std::chrono::steady_clock::now();
    const long rss_before = max_rss_kib();
    try {
        read_recording(path.string());
        FAIL() << "read a file that is not a recording";
    } catch (const RecordingError& e) {
        EXPECT_NE(std::string(e.what()).find("is not a leakscope recording"), std::string::npos) << e.what();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_LT(max_rss_kib() - rss_before, 64 * 1024);
    fs::remove(path);
}

TEST(RecordingCrafted, StreamedAndInMemoryReadsAgree) {
    // The same chunks read from a file (pread per chunk) and from bytes give the same model.
    const auto bytes = warning_bomb(0);
    std::vector<std::uint8_t> file = bytes;
    ChunkEncoder encoder(3);
    std::vector<std::uint8_t> payload;
    PayloadWriter w(payload);
    w.varint(2);
    w.string("first");
    w.string("");
    encoder.append(ChunkKind::warnings, payload, file);
    const fs::path path = scratch_file("small.lks");
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    const Recording from_file = read_recording(path.string());
    const Recording from_bytes = read_recording_bytes(file, path.string());
    EXPECT_EQ(from_file.warnings, from_bytes.warnings);
    ASSERT_EQ(from_file.warnings.size(), 2u);
    EXPECT_EQ(from_file.warnings[0], "first");
    fs::remove(path);
}

}  // namespace
}  // namespace leakscope::recording
