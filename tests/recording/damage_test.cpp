// Damaged, truncated and foreign files: never a crash, never a hang, a prefix and a warning when the
// header is valid, a one-line RecordingError when the file is not a recording.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/chunk_payloads.hpp"
#include "recording/crc32.hpp"
#include "recording/format.hpp"
#include "recording/recording_reader.hpp"
#include "recording_test_support.hpp"

namespace leakscope::recording {
namespace {

using testing::ScratchDir;

std::string error_of(const std::string& path) {
    try {
        read_recording(path);
    } catch (const RecordingError& e) {
        return e.what();
    }
    return "(no error)";
}

bool has_warning_containing(const Recording& r, const std::string& text) {
    for (const auto& w : r.warnings) {
        if (w.find(text) != std::string::npos) return true;
    }
    return false;
}

TEST(RecordingDamage, TruncationAtEveryByteReadsAPrefix) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const Recording full = testing::write_full_recording(path, 3, true);
    const auto bytes = testing::read_bytes(path);
    ASSERT_GT(bytes.size(), 200u);
    std::size_t previous_samples = 0;
    std::size_t clean_cuts = 0;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const std::span<const std::uint8_t> prefix(bytes.data(), n);
        if (n < kFileHeaderBytes) {
            EXPECT_THROW(read_recording_bytes(prefix, "cut.lsrec"), RecordingError) << "length " << n;
            continue;
        }
        Recording r;
        ASSERT_NO_THROW(r = read_recording_bytes(prefix, "cut.lsrec")) << "length " << n;
        // A longer prefix never loses what a shorter one had.
        EXPECT_GE(r.samples.size(), previous_samples) << "length " << n;
        EXPECT_LE(r.samples.size(), full.samples.size());
        previous_samples = r.samples.size();
        EXPECT_FALSE(r.end.has_value()) << "the end chunk is last, so no prefix has it";
        if (has_warning_containing(r, "recording truncated at byte ")) continue;
        ++clean_cuts;  // a cut exactly between two chunks
    }
    // Cuts between chunks read cleanly; there are a few dozen chunks, not hundreds of clean cuts.
    EXPECT_GT(clean_cuts, 5u);
    EXPECT_LT(clean_cuts, 60u);
    testing::expect_same_recording(full, read_recording_bytes(bytes, "whole.lsrec"));
}

TEST(RecordingDamage, TheTruncationWarningSaysWhereAndHowMuchWasRead) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    testing::write_full_recording(path, 3, true);
    auto bytes = testing::read_bytes(path);
    bytes.resize(bytes.size() - 3);
    const Recording r = read_recording_bytes(bytes, "cut.lsrec");
    ASSERT_EQ(r.warnings.size(), 2u);  // the collector's warning, then ours
    const std::string& w = r.warnings.back();
    EXPECT_EQ(w.rfind("recording truncated at byte ", 0), 0u) << w;
    EXPECT_NE(w.find("(truncated chunk): read 30 samples before it"), std::string::npos) << w;
}

TEST(RecordingDamage, EverySingleByteCorruptionIsDetected) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    const Recording full = testing::write_full_recording(path, 3, true);
    const auto bytes = testing::read_bytes(path);
    std::mt19937 rng(12345);
    for (std::size_t at = kFileHeaderBytes; at < bytes.size(); ++at) {
        auto damaged = bytes;
        damaged[at] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        Recording r;
        ASSERT_NO_THROW(r = read_recording_bytes(damaged, "bad.lsrec")) << "byte " << at;
        // Every byte after the file header is covered by some chunk's checksum.
        EXPECT_TRUE(has_warning_containing(r, "recording damaged at byte ") ||
                    has_warning_containing(r, "recording truncated at byte "))
            << "corruption at byte " << at << " went unnoticed";
        EXPECT_LE(r.samples.size(), full.samples.size());
    }
}

TEST(RecordingDamage, RandomMultiByteCorruptionNeverCrashes) {
    ScratchDir dir;
    const std::string path = dir.file("run.lsrec");
    testing::write_full_recording(path, 4, true);
    const auto bytes = testing::read_bytes(path);
    std::mt19937 rng(777);
    for (int round = 0; round < 500; ++round) {
        auto damaged = bytes;
        const int edits = 1 + static_cast<int>(rng() % 20);
        for (int e = 0; e < edits; ++e) damaged[kFileHeaderBytes + rng() % (damaged.size() - kFileHeaderBytes)] = static_cast<std::uint8_t>(rng());
        for (const bool verify : {true, false}) {
            EXPECT_NO_THROW(read_recording_bytes(damaged, "bad.lsrec", ReadOptions{verify})) << "round " << round;
        }
    }
}

TEST(RecordingDamage, AForgedHugeLengthIsRejectedWithoutAllocating) {
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    // A chunk header claiming a 4 GiB payload, with a valid checksum over its header.
    PayloadWriter w(bytes);
    w.u16(static_cast<std::uint16_t>(ChunkKind::samples));
    w.u16(0);
    w.u32(0xffffffffu);
    w.u32(0xffffffffu);
    w.u32(crc32(bytes.data() + kFileHeaderBytes, 12));
    const Recording r = read_recording_bytes(bytes, "forged.lsrec");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0], "recording damaged at byte 16 (chunk length out of range): read 0 samples before it");
}

TEST(RecordingDamage, AForgedElementCountInsideAValidChunkIsAWarning) {
    std::vector<std::uint8_t> payload;
    PayloadWriter w(payload);
    encode_samples_prefix(SampleTier::recent, 1, w);
    w.varint(1ull << 59);  // claims 2^59 samples in a few bytes
    w.f64(1.0);
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    ChunkEncoder encoder;
    encoder.append(ChunkKind::samples, payload, bytes);
    const Recording r = read_recording_bytes(bytes, "forged.lsrec");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0],
              "recording damaged at byte 16 (bad samples chunk: element count larger than the payload can hold): "
              "read 0 samples before it");
}

TEST(RecordingDamage, AHighlyCompressibleOversizedChunkIsRefusedBeforeDecompressing) {
    // 9 MiB of zeros compress to a few hundred bytes: a list chunk that large is refused unread.
    std::vector<std::uint8_t> payload(9u << 20, 0);
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    ChunkEncoder encoder;
    encoder.append(ChunkKind::warnings, payload, bytes);
    ASSERT_LT(bytes.size(), 10000u);
    const Recording r = read_recording_bytes(bytes, "bomb.lsrec");
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_EQ(r.warnings[0], "recording damaged at byte 16 (chunk length out of range for its kind): read 0 samples before it");
}

TEST(RecordingDamage, FilesThatAreNotRecordingsGiveOneLineErrors) {
    ScratchDir dir;
    const std::string text = dir.file("x.txt");
    testing::write_bytes(text, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n', 'm', 'o', 'r', 'e', ' ', 'x'});
    EXPECT_EQ(error_of(text), text + " is not a leakscope recording");

    const std::string empty = dir.file("empty.lsrec");
    testing::write_bytes(empty, {});
    EXPECT_EQ(error_of(empty), empty + " is empty, not a leakscope recording");

    const std::string tiny = dir.file("tiny");
    testing::write_bytes(tiny, {'h'});
    EXPECT_EQ(error_of(tiny), tiny + " is not a leakscope recording");

    const std::string cut = dir.file("cut.lsrec");
    std::vector<std::uint8_t> header;
    append_file_header(header);
    header.resize(10);
    testing::write_bytes(cut, header);
    EXPECT_EQ(error_of(cut), cut + " is a leakscope recording cut off inside its header (10 bytes)");

    EXPECT_EQ(error_of(dir.path().string()), dir.path().string() + " is a directory, not a leakscope recording");
    const std::string missing = dir.file("missing.lsrec");
    EXPECT_EQ(error_of(missing), "cannot open recording " + missing + ": No such file or directory");

    const std::string fifo = dir.file("fifo");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(error_of(fifo), fifo + " is not a regular file, not a leakscope recording");

    // Front ends can word it their own way ("cannot read x.txt: it is not a leakscope recording").
    try {
        read_recording(text);
    } catch (const RecordingError& e) {
        EXPECT_EQ(e.path(), text);
        EXPECT_EQ(e.reason(), "it is not a leakscope recording");
    }
    try {
        read_recording(missing);
    } catch (const RecordingError& e) {
        EXPECT_EQ(e.path(), missing);
        EXPECT_EQ(e.reason(), "No such file or directory");
    }

    for (const auto& message : {error_of(text), error_of(empty), error_of(cut)}) {
        EXPECT_EQ(message.find('\n'), std::string::npos);
    }
}

TEST(RecordingDamage, AHeaderOnlyFileIsAnEmptyRecording) {
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    const Recording r = read_recording_bytes(bytes, "header.lsrec");
    EXPECT_TRUE(r.samples.empty());
    EXPECT_TRUE(r.warnings.empty());
}

}  // namespace
}  // namespace leakscope::recording
