#include "runtime/perfdata_file.hpp"

#include <cstring>

namespace leakscope::runtime {
namespace {

constexpr std::uint8_t kMagic[4] = {0xca, 0xfe, 0xc0, 0xc0};
constexpr std::uint8_t kBigEndian = 0;
constexpr std::uint8_t kLittleEndian = 1;
constexpr std::uint8_t kSupportedMajor = 2;  // 1.0 was JDK 1.4's; every JVM since writes 2.0

// Prologue field offsets.
constexpr std::size_t kByteOrderAt = 4, kMajorAt = 5, kMinorAt = 6, kAccessibleAt = 7, kUsedAt = 8,
                      kEntryOffsetAt = 24, kEntryCountAt = 28;
// Entry header field offsets, relative to the entry.
constexpr std::size_t kNameOffsetAt = 4, kVectorLengthAt = 8, kTypeAt = 12, kUnitsAt = 14, kVariabilityAt = 15,
                      kDataOffsetAt = 16;

/// Reads the file's integers in the byte order its prologue states. Callers check the bounds first.
class Bytes {
public:
    Bytes(std::span<const std::uint8_t> data, bool big_endian) : data_(data), big_endian_(big_endian) {}
    std::int32_t i32(std::size_t at) const { return static_cast<std::int32_t>(u32(at)); }
    std::int64_t i64(std::size_t at) const {
        const std::uint64_t hi = u32(at), lo = u32(at + 4);
        return static_cast<std::int64_t>(big_endian_ ? hi << 32 | lo : lo << 32 | hi);
    }

private:
    std::uint32_t u32(std::size_t at) const {
        const std::uint8_t* p = data_.data() + at;
        return big_endian_ ? std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3]
                           : std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0];
    }
    std::span<const std::uint8_t> data_;
    bool big_endian_;
};

PerfDataResult malformed(std::string message) {
    return {PerfDataResult::Status::malformed, "hsperfdata: " + std::move(message)};
}

std::string entry_problem(std::size_t index, std::size_t at, const std::string& what) {
    return "entry " + std::to_string(index) + " at byte " + std::to_string(at) + ": " + what;
}

/// Bytes per element of a JNI type descriptor; 0 for types HotSpot never writes here.
std::size_t element_bytes(char type) {
    switch (type) {
        case 'B': case 'Z': return 1;
        case 'C': case 'S': return 2;
        case 'I': case 'F': return 4;
        case 'J': case 'D': return 8;
        default: return 0;
    }
}

/// Parses the entry at `at` (already known to have a whole header inside `limit`) into `out`.
std::optional<std::string> parse_entry(const Bytes& bytes, std::span<const std::uint8_t> file, std::size_t at,
                                       std::size_t limit, std::size_t& length, PerfCounter& out) {
    const std::int32_t entry_length = bytes.i32(at);
    if (entry_length < static_cast<std::int32_t>(kPerfEntryHeaderBytes))
        return "length " + std::to_string(entry_length) + " is shorter than an entry header";
    length = static_cast<std::size_t>(entry_length);
    if (length > limit - at) return "length " + std::to_string(length) + " runs past the end of the data";

    const std::int32_t name_offset = bytes.i32(at + kNameOffsetAt);
    const std::int32_t vector_length = bytes.i32(at + kVectorLengthAt);
    const std::int32_t data_offset = bytes.i32(at + kDataOffsetAt);
    if (name_offset < static_cast<std::int32_t>(kPerfEntryHeaderBytes) || static_cast<std::size_t>(name_offset) >= length)
        return "name offset " + std::to_string(name_offset) + " is outside the entry";
    if (vector_length < 0) return "negative vector length " + std::to_string(vector_length);
    const char* name_begin = reinterpret_cast<const char*>(file.data() + at + static_cast<std::size_t>(name_offset));
    const std::size_t name_room = length - static_cast<std::size_t>(name_offset);
    const void* nul = std::memchr(name_begin, '\0', name_room);
    if (nul == nullptr) return std::string("its name is not terminated inside the entry");
    out.name = std::string_view(name_begin, static_cast<std::size_t>(static_cast<const char*>(nul) - name_begin));
    if (out.name.empty()) return std::string("its name is empty");

    out.type = static_cast<char>(file[at + kTypeAt]);
    out.units = file[at + kUnitsAt];
    out.variability = file[at + kVariabilityAt];
    out.number.reset();
    out.text.reset();
    const std::size_t element = element_bytes(out.type);
    if (element == 0) return std::nullopt;  // a type HotSpot does not write: kept by name, no value
    const std::size_t elements = vector_length == 0 ? 1 : static_cast<std::size_t>(vector_length);
    if (data_offset < static_cast<std::int32_t>(kPerfEntryHeaderBytes) || static_cast<std::size_t>(data_offset) > length ||
        elements > (length - static_cast<std::size_t>(data_offset)) / element)
        return "its data (offset " + std::to_string(data_offset) + ", " + std::to_string(elements) + " x " +
               std::to_string(element) + " bytes) does not fit in its " + std::to_string(length) + " bytes";
    const std::size_t data_at = at + static_cast<std::size_t>(data_offset);
    if (out.type == 'J' && vector_length == 0) out.number = bytes.i64(data_at);
    if (out.type == 'B' && vector_length > 0) {
        const char* text = reinterpret_cast<const char*>(file.data() + data_at);
        const void* end = std::memchr(text, '\0', elements);
        out.text = std::string_view(text, end ? static_cast<std::size_t>(static_cast<const char*>(end) - text) : elements);
    }
    return std::nullopt;
}

}  // namespace

PerfDataResult parse_perfdata(std::span<const std::uint8_t> file, std::vector<PerfCounter>& counters) {
    counters.clear();
    if (file.size() < kPerfPrologueBytes)
        return malformed("too short: " + std::to_string(file.size()) + " bytes, the prologue alone is " +
                         std::to_string(kPerfPrologueBytes));
    if (std::memcmp(file.data(), kMagic, sizeof kMagic) != 0)
        return malformed("not a JVM performance-counter file (no CA FE C0 C0 magic)");
    const std::uint8_t order = file[kByteOrderAt];
    if (order != kBigEndian && order != kLittleEndian) return malformed("unknown byte order " + std::to_string(order));
    if (file[kMajorAt] != kSupportedMajor)
        return malformed("version " + std::to_string(file[kMajorAt]) + "." + std::to_string(file[kMinorAt]) +
                         " is not supported (only 2.x)");
    if (file[kAccessibleAt] == 0) return {PerfDataResult::Status::not_ready, "hsperfdata: the JVM has not made it accessible yet"};

    const Bytes bytes(file, order == kBigEndian);
    const std::int32_t used = bytes.i32(kUsedAt);
    const std::int32_t entry_offset = bytes.i32(kEntryOffsetAt);
    const std::int32_t entry_count = bytes.i32(kEntryCountAt);
    if (used < static_cast<std::int32_t>(kPerfPrologueBytes) || static_cast<std::size_t>(used) > file.size())
        return malformed("claims " + std::to_string(used) + " bytes used of the " + std::to_string(file.size()) + " read");
    // Entries live in [entry_offset, used): `used` grows as the JVM adds them.
    const std::size_t limit = static_cast<std::size_t>(used);
    if (entry_offset < static_cast<std::int32_t>(kPerfPrologueBytes) || static_cast<std::size_t>(entry_offset) > limit)
        return malformed("first entry offset " + std::to_string(entry_offset) + " is outside the " + std::to_string(limit) +
                         " bytes used");
    if (entry_count < 0 ||
        static_cast<std::size_t>(entry_count) > (limit - static_cast<std::size_t>(entry_offset)) / kPerfEntryHeaderBytes)
        return malformed(std::to_string(entry_count) + " entries cannot fit in " + std::to_string(limit) + " bytes");

    counters.reserve(static_cast<std::size_t>(entry_count));
    std::size_t at = static_cast<std::size_t>(entry_offset);
    for (std::int32_t i = 0; i < entry_count; ++i) {
        const auto index = static_cast<std::size_t>(i);
        if (limit - at < kPerfEntryHeaderBytes) {
            counters.clear();
            return malformed(entry_problem(index, at, "its header runs past the end of the data"));
        }
        std::size_t length = 0;
        PerfCounter counter;
        if (auto problem = parse_entry(bytes, file, at, limit, length, counter)) {
            counters.clear();
            return malformed(entry_problem(index, at, *problem));
        }
        counters.push_back(counter);
        at += length;  // length >= the header's 20 bytes: the loop always moves on
    }
    return {};
}

}  // namespace leakscope::runtime
