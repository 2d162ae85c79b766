#include "recording/chunk_io.hpp"

#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "recording/byte_codec.hpp"
#include "recording/crc32.hpp"

namespace leakscope::recording {
namespace {

std::uint32_t read_le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t read_le16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}

}  // namespace

void append_file_header(std::vector<std::uint8_t>& out) {
    out.insert(out.end(), kMagic.begin(), kMagic.end());
    PayloadWriter w(out);
    w.u16(kFormatMajor);
    w.u16(kFormatMinor);
    w.u32(0);
}

struct ChunkEncoder::State {
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    std::vector<std::uint8_t> compressed;
    int level = kZstdAppendLevel;
    ~State() { ZSTD_freeCCtx(cctx); }
};

ChunkEncoder::ChunkEncoder(int zstd_level) : state_(std::make_unique<State>()) { state_->level = zstd_level; }
ChunkEncoder::~ChunkEncoder() = default;

void ChunkEncoder::append(ChunkKind kind, std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) {
    std::span<const std::uint8_t> stored = payload;
    std::uint16_t flags = 0;
    if (payload.size() >= kCompressMinBytes && state_->cctx != nullptr) {
        auto& buf = state_->compressed;
        buf.resize(ZSTD_compressBound(payload.size()));
        const std::size_t n =
            ZSTD_compressCCtx(state_->cctx, buf.data(), buf.size(), payload.data(), payload.size(), state_->level);
        if (!ZSTD_isError(n) && n < payload.size() - payload.size() / 8) {
            stored = std::span<const std::uint8_t>(buf.data(), n);
            flags |= static_cast<std::uint16_t>(ChunkFlag::zstd);
        }
    }
    const std::size_t header_at = out.size();
    PayloadWriter w(out);
    w.u16(static_cast<std::uint16_t>(kind));
    w.u16(flags);
    w.u32(static_cast<std::uint32_t>(stored.size()));
    w.u32(static_cast<std::uint32_t>(payload.size()));
    std::uint32_t crc = crc32(out.data() + header_at, 12);
    crc = crc32(stored.data(), stored.size(), crc);
    w.u32(crc);
    out.insert(out.end(), stored.begin(), stored.end());
}

struct ChunkScanner::State {
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    ~State() { ZSTD_freeDCtx(dctx); }
};

ChunkScanner::ChunkScanner(std::span<const std::uint8_t> file, std::size_t start, bool verify_crc)
    : file_(file), size_(file.size()), pos_(start), verify_crc_(verify_crc), state_(std::make_unique<State>()) {}
ChunkScanner::ChunkScanner(int fd, std::uint64_t size, std::size_t start)
    : fd_(fd), size_(size), pos_(start), verify_crc_(true), state_(std::make_unique<State>()) {}
ChunkScanner::~ChunkScanner() = default;

bool ChunkScanner::fail(std::uint64_t offset, std::string why) {
    damage_offset_ = offset;
    damage_ = std::move(why);
    pos_ = size_;
    return false;
}

const std::uint8_t* ChunkScanner::view(std::uint64_t offset, std::size_t n) {
    static constexpr std::uint8_t kNothing = 0;
    if (offset > size_ || n > size_ - offset) return nullptr;
    if (n == 0) return &kNothing;
    if (fd_ < 0) return file_.data() + offset;
    scratch_.resize(n);
    for (std::size_t done = 0; done < n;) {
        const ssize_t got = ::pread(fd_, scratch_.data() + done, n - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return nullptr;  // the file shrank under us, or cannot be read: treated as its end
        done += static_cast<std::size_t>(got);
    }
    return scratch_.data();
}

std::optional<Chunk> ChunkScanner::next() {
    if (pos_ >= size_) return std::nullopt;
    const std::uint64_t at = pos_;
    const std::uint64_t left = size_ - pos_;
    if (left < kChunkHeaderBytes) {
        fail(at, "truncated chunk header");
        return std::nullopt;
    }
    std::uint8_t h[kChunkHeaderBytes];
    const std::uint8_t* header = view(at, kChunkHeaderBytes);
    if (header == nullptr) {
        fail(at, "truncated chunk header");
        return std::nullopt;
    }
    std::memcpy(h, header, kChunkHeaderBytes);
    Chunk chunk;
    chunk.kind = read_le16(h);
    chunk.flags = read_le16(h + 2);
    chunk.offset = at;
    const std::uint32_t stored_len = read_le32(h + 4);
    const std::uint32_t raw_len = read_le32(h + 8);
    const std::uint32_t crc = read_le32(h + 12);
    const bool compressed = (chunk.flags & static_cast<std::uint16_t>(ChunkFlag::zstd)) != 0;
    // Validate every length before touching the payload: a flipped bit must not make us read past the
    // file or allocate hundreds of megabytes.
    if (stored_len > kMaxChunkPayloadBytes || raw_len > kMaxChunkPayloadBytes) {
        fail(at, "chunk length out of range");
        return std::nullopt;
    }
    if (!compressed && stored_len != raw_len) {
        fail(at, "chunk lengths disagree");
        return std::nullopt;
    }
    if (stored_len > left - kChunkHeaderBytes) {
        fail(at, "truncated chunk");
        return std::nullopt;
    }
    const std::uint8_t* stored = view(at + kChunkHeaderBytes, stored_len);
    if (stored == nullptr) {
        fail(at, "truncated chunk");
        return std::nullopt;
    }
    if (verify_crc_) {
        std::uint32_t actual = crc32(h, 12);
        actual = crc32(stored, stored_len, actual);
        if (actual != crc) {
            fail(at, "checksum mismatch");
            return std::nullopt;
        }
    }
    const std::uint32_t max_raw = max_payload_bytes(chunk.kind);
    if (max_raw == 0 || (chunk.flags & ~kKnownChunkFlags) != 0) {
        // An unknown kind, or a flag this version does not know (it may change how the payload is
        // encoded): hand the chunk on without its payload, to be skipped as unknown.
        chunk.kind = 0;
    } else if (raw_len > max_raw) {
        fail(at, "chunk length out of range for its kind");
        return std::nullopt;
    } else if (compressed) {
        const unsigned long long content = ZSTD_getFrameContentSize(stored, stored_len);
        if (content != raw_len) {
            fail(at, "compressed chunk does not match its length");
            return std::nullopt;
        }
        // Grow the output as data really decompresses, so a forged raw length in a tiny chunk does not
        // allocate its full claim up front.
        std::size_t capacity = std::min<std::size_t>(raw_len, std::max<std::size_t>(64u << 10, std::size_t{stored_len} * 8));
        chunk.payload.resize(capacity);
        ZSTD_DCtx_reset(state_->dctx, ZSTD_reset_session_only);
        ZSTD_inBuffer in{stored, stored_len, 0};
        ZSTD_outBuffer out{chunk.payload.data(), chunk.payload.size(), 0};
        while (true) {
            const std::size_t in_before = in.pos;
            const std::size_t out_before = out.pos;
            const std::size_t r = ZSTD_decompressStream(state_->dctx, &out, &in);
            if (ZSTD_isError(r)) {
                fail(at, "compressed chunk is corrupt");
                return std::nullopt;
            }
            if (r == 0) break;  // frame complete
            if (out.pos == out.size && capacity < raw_len) {
                capacity = std::min<std::size_t>(raw_len, capacity * 2);
                chunk.payload.resize(capacity);
                out.dst = chunk.payload.data();
                out.size = chunk.payload.size();
            } else if (in.pos == in_before && out.pos == out_before) {
                // No progress: the input ends early or the frame wants more output than it declared.
                fail(at, "compressed chunk is corrupt");
                return std::nullopt;
            }
        }
        if (out.pos != raw_len || in.pos != in.size) {
            fail(at, "compressed chunk does not match its length");
            return std::nullopt;
        }
    } else {
        chunk.payload.assign(stored, stored + stored_len);
    }
    pos_ += kChunkHeaderBytes + stored_len;
    return chunk;
}

}  // namespace leakscope::recording
