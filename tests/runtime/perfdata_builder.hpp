// Builds hsperfdata images the way HotSpot lays them out (prologue, then entries: header, name, padding
// to the data's alignment, data, padding to 8 bytes), so tests can state exactly what a file holds and
// then break it on purpose.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace leakscope::runtime::testing {

class PerfFileBuilder {
public:
    explicit PerfFileBuilder(bool big_endian = false) : big_endian_(big_endian) {}

    PerfFileBuilder& number(const std::string& name, std::int64_t value) {
        entries_.push_back({name, 'J', 0, {}});
        for (int i = 0; i < 8; ++i) {
            const int shift = big_endian_ ? 56 - 8 * i : 8 * i;
            entries_.back().data.push_back(static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> shift));
        }
        return *this;
    }
    PerfFileBuilder& text(const std::string& name, const std::string& value, std::size_t capacity = 0) {
        std::vector<std::uint8_t> data(value.begin(), value.end());
        data.resize(std::max(capacity, value.size() + 1), 0);
        entries_.push_back({name, 'B', static_cast<std::int32_t>(data.size()), data});
        return *this;
    }

    /// The whole file, `file_bytes` long (HotSpot's default is 32 KiB), or just the bytes used when 0.
    std::vector<std::uint8_t> build(std::size_t file_bytes = 0) const {
        std::vector<std::uint8_t> out(32, 0);
        out[0] = 0xca, out[1] = 0xfe, out[2] = 0xc0, out[3] = 0xc0;
        out[4] = big_endian_ ? 0 : 1;
        out[5] = 2, out[6] = 0, out[7] = 1;  // version 2.0, accessible
        for (const auto& e : entries_) {
            const std::size_t at = out.size();
            const std::size_t element = e.type == 'J' ? 8 : 1;
            std::size_t name_at = 20, data_at = name_at + e.name.size() + 1;
            data_at = (data_at + element - 1) / element * element;
            std::size_t length = (data_at + e.data.size() + 7) / 8 * 8;
            out.resize(at + length, 0);
            put32(out, at, static_cast<std::uint32_t>(length));
            put32(out, at + 4, static_cast<std::uint32_t>(name_at));
            put32(out, at + 8, static_cast<std::uint32_t>(e.vector_length));
            out[at + 12] = static_cast<std::uint8_t>(e.type);
            out[at + 13] = 1;  // supported
            out[at + 14] = e.type == 'J' ? 2 : 5;  // bytes, string
            out[at + 15] = 3;  // variable
            put32(out, at + 16, static_cast<std::uint32_t>(data_at));
            std::copy(e.name.begin(), e.name.end(), out.begin() + static_cast<std::ptrdiff_t>(at + name_at));
            std::copy(e.data.begin(), e.data.end(), out.begin() + static_cast<std::ptrdiff_t>(at + data_at));
        }
        put32(out, 8, static_cast<std::uint32_t>(out.size()));  // used
        put32(out, 24, 32);                                     // entry offset
        put32(out, 28, static_cast<std::uint32_t>(entries_.size()));
        if (file_bytes > out.size()) out.resize(file_bytes, 0);
        return out;
    }

    void put32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t v) const {
        for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (big_endian_ ? 24 - 8 * i : 8 * i));
    }

private:
    struct Entry {
        std::string name;
        char type;
        std::int32_t vector_length;
        std::vector<std::uint8_t> data;
    };
    bool big_endian_;
    std::vector<Entry> entries_;
};

/// A G1 JVM's counters with the given figures, as JDK 17 names them.
inline PerfFileBuilder g1_counters(std::int64_t eden_used, std::int64_t old_used, bool big_endian = false) {
    PerfFileBuilder b(big_endian);
    b.text("sun.gc.policy.name", "GarbageFirst", 32)
        .number("sun.gc.collector.0.invocations", 7)
        .number("sun.gc.collector.1.invocations", 2)
        .number("sun.gc.collector.2.invocations", 4)
        .number("sun.gc.generation.0.capacity", 20 << 20)
        .number("sun.gc.generation.0.maxCapacity", 1LL << 30)
        .number("sun.gc.generation.0.space.0.used", eden_used)
        .number("sun.gc.generation.0.space.1.used", 1 << 20)
        .number("sun.gc.generation.0.space.2.used", 0)
        .number("sun.gc.generation.1.capacity", 300 << 20)
        .number("sun.gc.generation.1.maxCapacity", 1LL << 30)
        .number("sun.gc.generation.1.space.0.used", old_used)
        .number("sun.gc.metaspace.used", 5 << 20)
        .number("sun.gc.metaspace.capacity", 6 << 20);
    return b;
}

}  // namespace leakscope::runtime::testing
