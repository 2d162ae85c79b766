// Every field of the model survives writer -> file -> reader, and the format's primitives are correct.
#include <gtest/gtest.h>

#include <cmath>

#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/crc32.hpp"
#include "recording/format.hpp"
#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

TEST(RecordingPrimitives, Crc32MatchesTheStandardCheckValue) {
    const std::string check = "123456789";
    EXPECT_EQ(crc32(check.data(), check.size()), 0xCBF43926u);
    // Continuing a CRC over two pieces equals one pass over the whole.
    EXPECT_EQ(crc32(check.data() + 4, 5, crc32(check.data(), 4)), 0xCBF43926u);
    EXPECT_EQ(crc32(nullptr, 0), 0u);
}

TEST(RecordingPrimitives, VarintsAndZigzagRoundTripAtTheEdges) {
    const std::vector<std::int64_t> values = {0, 1, -1, 63, -64, 64, 127, 128, INT64_MAX, INT64_MIN, 1ll << 40};
    std::vector<std::uint8_t> bytes;
    PayloadWriter w(bytes);
    for (const auto v : values) {
        w.svarint(v);
        w.varint(static_cast<std::uint64_t>(v));
    }
    w.f64(-0.0);
    w.string("héllo");
    PayloadReader r(bytes);
    for (const auto v : values) {
        EXPECT_EQ(r.svarint(), v);
        EXPECT_EQ(r.varint(), static_cast<std::uint64_t>(v));
    }
    EXPECT_TRUE(std::signbit(r.f64()));
    EXPECT_EQ(r.string(), "héllo");
    EXPECT_TRUE(r.at_end());
    EXPECT_THROW(r.u8(), PayloadError);
}

TEST(RecordingPrimitives, ACountLargerThanThePayloadIsRejectedBeforeAllocating) {
    std::vector<std::uint8_t> bytes;
    PayloadWriter(bytes).varint(1ull << 60);
    PayloadReader r(bytes);
    EXPECT_THROW(r.count(1), PayloadError);
}

TEST(RecordingRoundTrip, EveryFieldOfAFinishedRecordingReadsBack) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const Recording written = testing::write_full_recording(path, 3, true);
    // The model must really hold every kind of content, or comparing two models proves little.
    ASSERT_EQ(written.samples.size(), 30u);
    ASSERT_EQ(written.processes.size(), 2u);
    ASSERT_EQ(written.modules.size(), 2u);
    ASSERT_TRUE(written.modules[1].unloaded_t_s.has_value());
    EXPECT_EQ(*written.modules[1].unloaded_t_s, 1.75);
    ASSERT_EQ(written.stacks.size(), 3u);
    ASSERT_EQ(written.sites.t_s.size(), 3u);
    ASSERT_EQ(written.sites.sites.size(), 4u);
    ASSERT_EQ(written.symbols.size(), 2u);
    ASSERT_TRUE(written.end.has_value());
    ASSERT_EQ(written.warnings, std::vector<std::string>{"tracker dropped 3 events"});
    EXPECT_EQ(written.info.start_unix_s, testing::full_run_info().start_unix_s + 0.5);

    const Recording read = read_recording(path);
    testing::expect_same_recording(written, read);
    EXPECT_EQ(read.samples[7].rss, testing::full_sample(7).rss);
    EXPECT_EQ(read.samples[7].swap, kUnknownBytes);
    // A site first seen in the third snapshot was 0 before it; site 10 kept its reported values.
    EXPECT_EQ(read.sites.sites[3].live_bytes, (std::vector<std::int64_t>{0, 0, -3}));
    EXPECT_EQ(read.sites.sites[0].live_bytes, (std::vector<std::int64_t>{1000, 2000, 3000}));
    EXPECT_EQ(read.sites.sites[0].total_bytes, 30000u);
}

TEST(RecordingRoundTrip, AnUnfinishedRecordingHasNoEnd) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const Recording written = testing::write_full_recording(path, 2, false);
    const Recording read = read_recording(path);
    EXPECT_FALSE(read.end.has_value());
    // Symbols are written only by finish().
    EXPECT_TRUE(read.symbols.empty());
    EXPECT_EQ(read.samples.size(), written.samples.size());
    EXPECT_TRUE(read.warnings == written.warnings);
}

TEST(RecordingRoundTrip, UnknownChunkKindsAreSkippedWithOneWarning) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const Recording written = testing::write_full_recording(path, 2, true);
    auto bytes = testing::read_bytes(path);
    ChunkEncoder encoder;
    const std::vector<std::uint8_t> future_payload(300, 0x5a);
    encoder.append(static_cast<ChunkKind>(999), future_payload, bytes);
    std::vector<std::uint8_t> warning_payload;
    PayloadWriter w(warning_payload);
    w.varint(1);
    w.string("after the unknown chunk");
    encoder.append(ChunkKind::warnings, warning_payload, bytes);
    const Recording read = read_recording_bytes(bytes, "future.lsrec");
    EXPECT_EQ(read.samples.size(), written.samples.size());
    ASSERT_EQ(read.warnings.size(), 3u);
    EXPECT_EQ(read.warnings[1], "after the unknown chunk");
    EXPECT_NE(read.warnings[2].find("skipped 1 chunks of a kind this leakscope does not know"), std::string::npos);
}

TEST(RecordingRoundTrip, ANewerMinorVersionReadsAndANewerMajorVersionIsAClearError) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    testing::write_full_recording(path, 1, true);
    auto bytes = testing::read_bytes(path);
    bytes[10] = 7;  // minor version 7
    EXPECT_EQ(read_recording_bytes(bytes, "minor.lsrec").samples.size(), 10u);
    bytes[8] = 2;  // major version 2
    try {
        read_recording_bytes(bytes, "major.lsrec");
        FAIL() << "a newer major version must not be read";
    } catch (const RecordingError& e) {
        EXPECT_STREQ(e.what(),
                     "major.lsrec was written by a newer leakscope (format 2.7); this leakscope reads format 1: "
                     "upgrade leakscope to read it");
    }
}

TEST(RecordingRoundTrip, SmallPayloadsStayUncompressedAndLargeOnesAreCompressed) {
    ChunkEncoder encoder;
    std::vector<std::uint8_t> out;
    const std::vector<std::uint8_t> small(40, 1);
    encoder.append(ChunkKind::warnings, small, out);
    EXPECT_EQ(out.size(), kChunkHeaderBytes + small.size());
    out.clear();
    const std::vector<std::uint8_t> large(100000, 7);
    encoder.append(ChunkKind::warnings, large, out);
    EXPECT_LT(out.size(), 1000u);
    std::vector<std::uint8_t> file;
    append_file_header(file);
    file.insert(file.end(), out.begin(), out.end());
    ChunkScanner scanner(file, kFileHeaderBytes);
    const auto chunk = scanner.next();
    ASSERT_TRUE(chunk.has_value());
    EXPECT_EQ(chunk->payload, large);
    EXPECT_FALSE(scanner.next().has_value());
    EXPECT_TRUE(scanner.damage().empty());
}

}  // namespace
}  // namespace leakscope::recording
