// The HotSpot JVM's performance-counter file, /tmp/hsperfdata_<user>/<pid> (what jstat reads; written
// by every JVM unless -XX:-UsePerfData). Layout (OpenJDK perfMemory.hpp, version 2.0): a 32-byte
// prologue (magic CA FE C0 C0, byte order, version, accessible flag, bytes used, overflow, modification
// time, offset of the first entry, entry count), then the entries one after another, each a 20-byte
// header (entry length, name offset, vector length, type, flags, units, variability, data offset; the
// offsets relative to the entry) followed by its NUL-terminated name and its data.
//
// The file belongs to the watched process, which may be hostile or half-way through writing it: every
// offset and length is checked against the bytes actually read, every loop is bounded by them, and a
// file that does not hold together gives one clear error, never a crash, a hang or an allocation it names.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace leakscope::runtime {

/// The prologue is this long; an entry header is kPerfEntryHeaderBytes.
inline constexpr std::size_t kPerfPrologueBytes = 32;
inline constexpr std::size_t kPerfEntryHeaderBytes = 20;

/// Units and variability as HotSpot numbers them (perfData.hpp).
enum class PerfUnits : std::uint8_t { none = 1, bytes = 2, ticks = 3, events = 4, string = 5, hertz = 6 };
enum class PerfVariability : std::uint8_t { constant = 1, monotonic = 2, variable = 3 };

/// One counter. Views point into the bytes that were parsed: valid as long as they are.
struct PerfCounter {
    std::string_view name;       ///< e.g. "sun.gc.generation.1.space.0.used"
    char type = 0;               ///< JNI descriptor: 'J' (64-bit integer), 'B' (bytes: strings), ...
    std::uint8_t units = 0;      ///< PerfUnits, as found (not checked: the values are only labels)
    std::uint8_t variability = 0;
    std::optional<std::int64_t> number;  ///< a scalar 'J'
    std::optional<std::string_view> text;  ///< a 'B' vector, up to its first NUL
};

struct PerfDataResult {
    enum class Status {
        ok,
        not_ready,  ///< the JVM has not finished setting the file up (accessible flag 0): try again later
        malformed,  ///< not an hsperfdata file, an unknown version, or something inconsistent in it
    };
    Status status = Status::ok;
    std::string message;  ///< for not_ready and malformed: one sentence naming what is wrong
    bool ok() const { return status == Status::ok; }
};

/// Parses one hsperfdata image into `counters` (cleared first; its capacity is reused, so a warmed-up
/// caller does not allocate). On any error `counters` is left empty.
PerfDataResult parse_perfdata(std::span<const std::uint8_t> file, std::vector<PerfCounter>& counters);

}  // namespace leakscope::runtime
