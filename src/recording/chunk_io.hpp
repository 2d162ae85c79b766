// Framing of chunks: the file header, and each chunk's header + checksum + (optionally zstd) payload.
// The encoder appends to a buffer (the writer sends a whole flush with one write); the scanner walks a
// byte span and stops at the first damaged or incomplete chunk.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "recording/format.hpp"

namespace leakscope::recording {

/// Appends the 16-byte file header for the current format version.
void append_file_header(std::vector<std::uint8_t>& out);

/// Compresses payloads where it pays off and frames them. Keeps one zstd context for all chunks,
/// because creating a context costs far more than compressing a one-second chunk.
class ChunkEncoder {
public:
    explicit ChunkEncoder(int zstd_level = kZstdAppendLevel);
    ~ChunkEncoder();
    ChunkEncoder(const ChunkEncoder&) = delete;
    ChunkEncoder& operator=(const ChunkEncoder&) = delete;

    void append(ChunkKind kind, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out);

private:
    struct State;
    std::unique_ptr<State> state_;
};

/// One chunk as read: its kind, where it starts in the file, and its payload (decompressed).
struct Chunk {
    std::uint16_t kind = 0;
    std::uint16_t flags = 0;
    std::uint64_t offset = 0;
    std::vector<std::uint8_t> payload;
};

/// Walks the chunks after the file header. `next()` returns a chunk, or nothing at the end or at the
/// first damage; `damage()` then says why (empty at a clean end).
class ChunkScanner {
public:
    /// `verify_crc = false` only for fuzzing, so random bytes reach the payload parsers.
    ChunkScanner(std::span<const std::uint8_t> file, std::size_t start, bool verify_crc = true);
    /// Streams the chunks of an open file of `size` bytes, one chunk in memory at a time (pread): a
    /// huge or sparse file costs no more memory than its largest chunk.
    ChunkScanner(int fd, std::uint64_t size, std::size_t start);
    ~ChunkScanner();
    ChunkScanner(const ChunkScanner&) = delete;
    ChunkScanner& operator=(const ChunkScanner&) = delete;

    std::optional<Chunk> next();
    /// Why scanning stopped early, e.g. "truncated chunk" / "checksum mismatch"; empty at a clean end.
    const std::string& damage() const { return damage_; }
    /// Offset of the damaged chunk (valid when damage() is not empty).
    std::uint64_t damage_offset() const { return damage_offset_; }

private:
    bool fail(std::uint64_t offset, std::string why);
    /// `n` bytes at `offset` (from the span, or read into scratch_), or nullptr when the file ends first.
    const std::uint8_t* view(std::uint64_t offset, std::size_t n);
    std::span<const std::uint8_t> file_;
    int fd_ = -1;
    std::uint64_t size_;
    std::uint64_t pos_;
    std::vector<std::uint8_t> scratch_;
    bool verify_crc_;
    std::string damage_;
    std::uint64_t damage_offset_ = 0;
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace leakscope::recording
