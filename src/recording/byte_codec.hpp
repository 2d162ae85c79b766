// Little-endian fixed-width integers, LEB128 varints, zigzag, doubles and strings: the primitives every
// chunk payload is built from. The reader side checks every length against the bytes that remain, so
// a corrupted count can neither read past the payload nor make a huge allocation.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "util/utf8_text.hpp"

namespace leakscope::recording {

/// Thrown by PayloadReader on malformed bytes; the recording reader turns it into a warning.
class PayloadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline std::uint64_t zigzag_encode(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t zigzag_decode(std::uint64_t v) {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class PayloadWriter {
public:
    explicit PayloadWriter(std::vector<std::uint8_t>& out) : out_(out) {}

    void u8(std::uint8_t v) { out_.push_back(v); }
    void u16(std::uint16_t v) { fixed(v, 2); }
    void u32(std::uint32_t v) { fixed(v, 4); }
    void u64(std::uint64_t v) { fixed(v, 8); }
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            out_.push_back(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        out_.push_back(static_cast<std::uint8_t>(v));
    }
    void svarint(std::int64_t v) { varint(zigzag_encode(v)); }
    void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
    void boolean(bool v) { u8(v ? 1 : 0); }
    void string(const std::string& s) {
        varint(s.size());
        out_.insert(out_.end(), s.begin(), s.end());
    }

private:
    void fixed(std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    std::vector<std::uint8_t>& out_;
};

class PayloadReader {
public:
    explicit PayloadReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::size_t remaining() const { return bytes_.size() - pos_; }
    bool at_end() const { return pos_ == bytes_.size(); }

    std::uint8_t u8() { return static_cast<std::uint8_t>(fixed(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(fixed(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
    std::uint64_t u64() { return fixed(8); }
    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            const std::uint8_t b = bytes_[pos_++];
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw PayloadError("varint longer than 10 bytes");
    }
    std::int64_t svarint() { return zigzag_decode(varint()); }
    double f64() { return std::bit_cast<double>(u64()); }
    bool boolean() {
        const std::uint8_t b = u8();
        if (b > 1) throw PayloadError("boolean byte is neither 0 nor 1");
        return b == 1;
    }
    /// Text, made valid UTF-8 as it is read (a recording may carry any bytes; every report needs UTF-8).
    std::string string() {
        const std::uint64_t n = varint();
        need(n);
        std::string s = util::valid_utf8(
            std::string_view(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(n)));
        pos_ += static_cast<std::size_t>(n);
        return s;
    }
    /// A 32-bit value stored as a varint (indices, ids, counts of merged samples).
    std::uint32_t varint32() {
        const std::uint64_t v = varint();
        if (v > UINT32_MAX) throw PayloadError("value does not fit 32 bits");
        return static_cast<std::uint32_t>(v);
    }
    /// An element count, validated against what is left: each element takes at least
    /// `min_element_bytes`, so a corrupt count fails here instead of reserving gigabytes.
    std::size_t count(std::size_t min_element_bytes) {
        const std::uint64_t n = varint();
        if (min_element_bytes > 0 && n > remaining() / min_element_bytes) {
            throw PayloadError("element count larger than the payload can hold");
        }
        return static_cast<std::size_t>(n);
    }

private:
    void need(std::uint64_t n) const {
        if (n > remaining()) throw PayloadError("payload ends inside a field");
    }
    std::uint64_t fixed(int bytes) {
        need(static_cast<std::uint64_t>(bytes));
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(bytes_[pos_ + i]) << (8 * i);
        pos_ += static_cast<std::size_t>(bytes);
        return v;
    }
    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
};

}  // namespace leakscope::recording
