// Constants of the leakscope recording format (docs/recording-format.md describes the layout).
// Everything here is part of the on-disk contract: change a value only with a new format version.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace leakscope::recording {

/// First bytes of every recording. Like PNG's signature: a non-ASCII first byte so a text file never
/// matches, and CR LF / SUB / LF so a transfer that rewrites line endings is caught at once.
inline constexpr std::array<std::uint8_t, 8> kMagic = {0x89, 'L', 'K', 'S', '\r', '\n', 0x1a, '\n'};

/// A newer major version changes the meaning of existing chunks: readers refuse it. A newer minor
/// version only adds chunk kinds or trailing payload fields: readers skip what they do not know.
inline constexpr std::uint16_t kFormatMajor = 2;
inline constexpr std::uint16_t kFormatMinor = 10;  ///< 2.1 added process_exit, 2.2 tracking_lost, 2.3 the samples' tracker_bytes,
                                                   ///< 2.4 the samples' runtime_* fields (the JVM's heap), 2.5 vm_data,
                                                   ///< 2.6 runtime_eden_used, 2.7 runtime_unread_jvms,
                                                   ///< 2.8 smaps_stacks_mapped, 2.9 allocator_reads, 2.10 the run info's runtime

/// File header: magic (8), major (u16 LE), minor (u16 LE), reserved (u32 LE, zero).
inline constexpr std::size_t kFileHeaderBytes = 16;

/// Chunk header: kind (u16), flags (u16), stored payload length (u32), raw payload length (u32),
/// CRC-32 (u32) of the first 12 header bytes followed by the stored payload. All little-endian.
inline constexpr std::size_t kChunkHeaderBytes = 16;

/// The largest payload a chunk may claim, stored or decompressed. Readers reject anything larger
/// before allocating, so a corrupted length field can never ask for gigabytes.
inline constexpr std::uint32_t kMaxChunkPayloadBytes = 256u << 20;

/// Writers split long lists (samples, stacks, symbols) into chunks of about this many raw bytes...
inline constexpr std::size_t kTargetChunkBytes = 4u << 20;
/// ...and readers refuse any chunk but the site grid above this, which bounds what one forged,
/// highly compressible chunk can make the reader allocate.
inline constexpr std::uint32_t kMaxListChunkBytes = 8u << 20;
/// Readers refuse a site grid of more cells than this (256 MiB of values in memory).
inline constexpr std::size_t kMaxSiteGridCells = std::size_t{1} << 24;

/// Payloads at least this long are offered to zstd; the compressed form is kept only when it saves
/// at least an eighth, so tiny per-second chunks do not pay for a zstd frame header.
inline constexpr std::size_t kCompressMinBytes = 128;
/// zstd levels: a fast negative level for the chunks appended every second (cheap on the collector's
/// thread), level 3 for compaction, which is rare and whose output stays on disk for the rest of the run.
inline constexpr int kZstdAppendLevel = -1;
inline constexpr int kZstdCompactLevel = 3;

enum class ChunkFlag : std::uint16_t {
    zstd = 1u << 0,  ///< the stored payload is one zstd frame holding raw-length bytes
};
inline constexpr std::uint16_t kKnownChunkFlags = static_cast<std::uint16_t>(ChunkFlag::zstd);

/// Chunk kinds. Numbers are permanent; new kinds get new numbers and old readers skip them.
enum class ChunkKind : std::uint16_t {
    run_info = 1,       ///< RunInfo; a later one replaces an earlier one
    limits = 2,         ///< the bounds the writer used, so a reader rebuilds the same bounded model
    samples_v1 = 3,     ///< format 1's samples (17 fields per point): read, never written any more
    process = 4,        ///< (index, "pid:comm") pairs
    module_load = 5,    ///< Modules
    module_unload = 6,  ///< (process, start, time) triples
    stack = 7,          ///< Stack definitions
    site_snapshot = 8,  ///< time + the call sites that changed since the previous snapshot
    site_grid = 9,      ///< the whole bounded site grid (written by compaction)
    symbols = 10,       ///< resolved frames per (process, address)
    run_end = 11,       ///< RunEnd
    warnings = 12,      ///< warnings the collector recorded during the run
    samples = 13,       ///< a batch of SamplePoints (recent/raw or older/merged tier), its field count stated
    process_exit = 14,  ///< (2.1) a tracked process ended: its last totals and the sites still holding memory
    tracking_lost = 15, ///< (2.2) a tracked process's stream ended while it ran on: its heap is unknown from then
};

/// The largest raw payload a reader accepts for `kind`; 0 for kinds this version does not know (their
/// payload is skipped unread).
constexpr std::uint32_t max_payload_bytes(std::uint16_t kind) {
    if (kind == static_cast<std::uint16_t>(ChunkKind::site_grid)) return kMaxChunkPayloadBytes;
    if (kind >= static_cast<std::uint16_t>(ChunkKind::run_info) && kind <= static_cast<std::uint16_t>(ChunkKind::tracking_lost)) {
        return kMaxListChunkBytes;
    }
    return 0;
}

}  // namespace leakscope::recording
