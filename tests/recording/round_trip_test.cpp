// Every field of the model survives writer -> file -> reader, and the format's primitives are correct.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/chunk_payloads.hpp"
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
    bytes[8] = 3;  // major version 3
    try {
        read_recording_bytes(bytes, "major.lsrec");
        FAIL() << "a newer major version must not be read";
    } catch (const RecordingError& e) {
        EXPECT_STREQ(e.what(),
                     "major.lsrec was written by a newer leakscope (format 3.7); this leakscope reads format 2: "
                     "upgrade leakscope to read it");
    }
}

/// The model a format-1 writer made of write_full_recording's calls: no allocator, no smaps figures.
Recording as_format1(Recording r) {
    r.info.allocator.clear();
    r.info.runtime.clear();   // format 2.10
    r.tracking_lost.clear();  // format 2.2
    for (auto& p : r.samples) {
        p.allocator_footprint = p.allocator_in_use = p.allocator_free = kUnknownBytes;
        p.smaps_brk_heap = p.smaps_stacks = p.smaps_anon_other = p.smaps_file = p.smaps_other = kUnknownBytes;
        p.tracker_bytes = kUnknownBytes;  // format 2, field 25
        p.runtime_heap_used = p.runtime_heap_committed = p.runtime_heap_max = p.runtime_old_gen_used =
            p.runtime_metaspace_used = p.runtime_young_gcs = p.runtime_full_gcs = p.runtime_concurrent_gcs =
                kUnknownBytes;  // format 2.4, fields 26..33
        p.vm_data = kUnknownBytes;  // format 2.5, field 34
        p.runtime_eden_used = kUnknownBytes;  // format 2.6, field 35
        p.runtime_unread_jvms = kUnknownBytes;  // format 2.7, field 36
        p.smaps_stacks_mapped = kUnknownBytes;  // format 2.8, field 37
        p.allocator_reads = kUnknownBytes;  // format 2.9, field 38
    }
    return r;
}

TEST(RecordingRoundTrip, Format1RecordingsStillReadFieldForField) {
    // tests/recording/format1/ holds seeds written by the format 1.0 writer (samples in chunk kind 3,
    // 17 fields, no allocator in the run info), from the same calls as write_full_recording today.
    const std::filesystem::path dir = LEAKSCOPE_RECORDING_FORMAT1_DIR;
    ASSERT_EQ(testing::read_bytes((dir / "full.lsrec").string())[8], 1) << "the seed must be a format 1 file";
    ScratchDir scratch;
    const Recording today = testing::write_full_recording(scratch.file("today.lsrec"), 2, true);
    const Recording old = read_recording((dir / "full.lsrec").string());
    EXPECT_EQ(old.samples.size(), 20u);
    testing::expect_same_recording(as_format1(today), old);
    const Recording compacted = read_recording((dir / "compacted.lsrec").string());
    EXPECT_GT(compacted.samples.front().merged, 1u);
    for (const auto& p : compacted.samples) EXPECT_FALSE(known(p.allocator_free));
}

TEST(RecordingRoundTrip, SampleFieldsOfANewerVersionAreReadPast) {
    // A sample chunk from a future writer with 41 fields: this reader keeps its 39 and skips the others.
    SamplePoint first = testing::full_sample(1), second = testing::full_sample(2);
    std::vector<std::uint8_t> payload;
    PayloadWriter w(payload);
    w.u8(0);
    w.varint(1);
    w.varint(41);
    w.varint(2);
    for (const SamplePoint* p : {&first, &second}) {
        std::vector<std::uint8_t> item;
        PayloadWriter iw(item);
        encode_sample(p == &first ? SamplePoint{} : first, *p, iw);
        // encode_sample wrote t_s, a mask and the deltas of fields 0..38; set bits 40 and 41 (fields 39
        // and 40) and append their deltas.
        PayloadReader r(std::span<const std::uint8_t>(item).subspan(8));
        const std::uint64_t mask = r.varint();
        const std::size_t mask_end = 8 + (item.size() - 8 - r.remaining());
        std::vector<std::uint8_t> rebuilt(item.begin(), item.begin() + 8);
        PayloadWriter rw(rebuilt);
        rw.varint(mask | (std::uint64_t{3} << 40));
        rebuilt.insert(rebuilt.end(), item.begin() + static_cast<std::ptrdiff_t>(mask_end), item.end());
        rw.svarint(-123456789);
        rw.svarint(42);
        payload.insert(payload.end(), rebuilt.begin(), rebuilt.end());
    }
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    ChunkEncoder encoder;
    encoder.append(ChunkKind::samples, payload, bytes);
    const Recording r = read_recording_bytes(bytes, "future-fields.lsrec");
    EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
    ASSERT_EQ(r.samples.size(), 2u);
    EXPECT_EQ(r.samples[1].smaps_brk_heap, second.smaps_brk_heap);
    EXPECT_EQ(r.samples[1].allocator_free, second.allocator_free);
    EXPECT_EQ(r.samples[1].rss, second.rss);
    EXPECT_EQ(r.samples[1].tracker_bytes, second.tracker_bytes);
    EXPECT_EQ(r.samples[1].runtime_concurrent_gcs, second.runtime_concurrent_gcs);
    EXPECT_EQ(r.samples[1].runtime_old_gen_used, second.runtime_old_gen_used);
    EXPECT_EQ(r.samples[1].vm_data, second.vm_data);
    EXPECT_EQ(r.samples[1].runtime_eden_used, second.runtime_eden_used);
    EXPECT_EQ(r.samples[1].runtime_unread_jvms, second.runtime_unread_jvms);
    EXPECT_EQ(r.samples[1].smaps_stacks_mapped, second.smaps_stacks_mapped);
    EXPECT_EQ(r.samples[1].allocator_reads, second.allocator_reads);
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
