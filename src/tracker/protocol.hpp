// The wire format between the preloaded tracker (inside the target) and the collector (in leakscope's
// process). One SOCK_SEQPACKET message per packet, so a packet arrives whole or not at all: the tracker
// sends with MSG_DONTWAIT and simply retries later what did not go out. Every packet carries absolute
// (latest) values, never deltas, so a dropped packet loses nothing permanent.
// Both ends run on the same machine: native byte order, fixed-size fields plus LEB128 varints.
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker::wire {

/// The tracker library's file name: what leakscope puts in LD_PRELOAD, finds in a target's maps, and looks
/// for in an exec'd program's environment.
inline constexpr char kLibraryFile[] = "libleakscope_tracker.so";

inline constexpr std::uint32_t kProtocolVersion = 3;  // 2: kAllocatorStats; 3: stream ids, forked children inherit
/// Largest packet either side builds; far below the default unix socket buffer so a send never fails
/// only because the packet is too big.
inline constexpr std::size_t kMaxPacket = 32 * 1024;
inline constexpr std::size_t kMaxFrames = 64;

enum class PacketType : std::uint32_t {
    kHello = 1,           ///< HelloBody, then exe path bytes, then comm bytes
    kModulesLoaded = 2,   ///< count × (ModuleBody + path bytes + build-id bytes)
    kModulesUnloaded = 3, ///< count × u32 local module id
    kStacks = 4,          ///< count × (u32 id, u32 frame count, u64 frames[])
    kSites = 5,           ///< count × varints: id, zigzag live bytes, zigzag live count, allocations, bytes
    kTotals = 6,          ///< TotalsBody
    kGoodbye = 7,         ///< the process is exiting normally; nothing follows
    kAllocatorStats = 8,  ///< AllocatorStatsBody: the allocator's own figures (mallinfo2, jemalloc stats)
    kPythonFrames = 9,    ///< count × (PythonFrameHeader + function bytes + file bytes): CPython frames
    kExec = 10,           ///< (empty) the process is about to exec: the stream ends without a goodbye,
                          ///< and what came before is the replaced program's last state. Any later packet
                          ///< means the exec failed and the program goes on.
};

struct PacketHeader {
    PacketType type;
    std::uint32_t count;           ///< records in the body
    std::uint64_t monotonic_ns;    ///< CLOCK_MONOTONIC when the snapshot was taken
};

struct HelloBody {
    std::uint32_t version;
    std::int32_t pid;
    std::int32_t ppid;
    std::uint32_t interval_ms;
    std::uint64_t sample_bytes;    ///< 0 = every allocation tracked
    std::uint16_t exe_length;
    std::uint16_t comm_length;
    std::uint32_t reserved;
    /// This stream's id, random: a forked child names its parent's stream by it.
    std::uint64_t stream_id;
    /// A forked child whose parent's stream had sent its stacks: that stream's id (0: none). Stack ids
    /// below inherited_stacks and Python frames below inherited_python_frames are the parent's, already
    /// sent on that stream; the child sends only what is new, and its counters start from zero at the fork.
    std::uint64_t forked_from;
    std::uint32_t inherited_stacks;
    std::uint32_t inherited_python_frames;
};

struct ModuleBody {
    std::uint32_t local_id;
    std::uint16_t path_length;
    std::uint16_t build_id_length;  ///< raw bytes, the collector hex-encodes them
    std::uint64_t start;
    std::uint64_t end;
    std::uint64_t load_bias;
};

struct StackHeader {
    std::uint32_t id;
    std::uint32_t frame_count;
};

/// A Python frame: the pseudo return address stacks carry for it (python_frames.hpp), and its names.
struct PythonFrameHeader {
    std::uint64_t address;
    std::uint32_t line;
    std::uint16_t function_length;  ///< UTF-8 bytes of the qualified function name
    std::uint16_t file_length;      ///< UTF-8 bytes of the file name
};

struct TotalsBody {
    /// Sampling mode with glibc or jemalloc: the allocator's in-use figure at its last read, less the
    /// stream's baseline (a forked child's or an attachment's start); the counts are the samples' estimates.
    std::int64_t live_heap_bytes;
    std::int64_t live_allocations;
    std::int64_t mapped_bytes;
    std::uint64_t total_allocations;
    std::uint64_t total_frees;
    std::uint64_t events;
    std::uint64_t tracker_bytes;  ///< memory the tracker's own tables use in the target
};

/// Which allocator AllocatorStatsBody describes.
enum class AllocatorKind : std::uint32_t { kUnknown = 0, kGlibc = 1, kJemalloc = 2 };

/// The allocator's own view of its memory, read on the tracker's thread (never in a hook). A figure
/// the allocator does not give is kUnknownFigure.
struct AllocatorStatsBody {
    AllocatorKind kind;
    std::uint32_t reserved;
    std::uint64_t footprint_bytes;   ///< held from the OS = in use + free kept: glibc arena + hblkhd; jemalloc stats.resident
    std::uint64_t in_use_bytes;      ///< handed out to the program: glibc uordblks + hblkhd; jemalloc stats.allocated
    std::uint64_t free_kept_bytes;   ///< free but kept by the allocator: glibc fordblks; jemalloc resident - allocated
    std::uint64_t releasable_bytes;  ///< glibc keepcost (trimmable top); jemalloc stats.retained (virtual only)
    std::uint64_t read_ns;           ///< wall time the read took (the allocator's locks are held meanwhile, one at a time)
};
inline constexpr std::uint64_t kUnknownFigure = ~0ull;

// ---- varints (LEB128), used for the per-site records that dominate the stream's size ----

inline std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// Writes v at out (needs up to 10 bytes); returns the byte count.
inline std::size_t put_varint(std::uint8_t* out, std::uint64_t v) {
    std::size_t n = 0;
    while (v >= 0x80) {
        out[n++] = static_cast<std::uint8_t>(v | 0x80);
        v >>= 7;
    }
    out[n++] = static_cast<std::uint8_t>(v);
    return n;
}

/// Reads a varint from [*pos, end); false when truncated or longer than 10 bytes.
inline bool get_varint(const std::uint8_t*& pos, const std::uint8_t* end, std::uint64_t& v) {
    v = 0;
    for (unsigned shift = 0; shift < 70 && pos < end; shift += 7) {
        std::uint8_t byte = *pos++;
        v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return true;
    }
    return false;
}

inline constexpr std::size_t kMaxSiteRecord = 5 * 10;

}  // namespace leakscope::tracker::wire
