// Parsing of the small byte formats the symbolizer reads from ELF files itself: GNU build-id notes and
// build-id strings. Pure functions over bytes, so the fuzz target can drive them without files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace leakscope::symbols {

/// The build-id (lowercase hex) of the first NT_GNU_BUILD_ID note in the contents of an ELF note
/// section or PT_NOTE segment, or nullopt when there is none or the bytes are malformed.
/// `alignment` is the section's sh_addralign (4 or 8; anything else is treated as 4). Notes are read
/// in the host's byte order: leakscope symbolizes programs of its own machine.
std::optional<std::string> parse_gnu_build_id(std::span<const std::uint8_t> note_bytes, std::size_t alignment = 4);

/// `hex` lowercased when it is a usable build-id (an even number, at least 4, of hex digits),
/// otherwise nullopt. Build-ids come from recordings, which may be damaged.
std::optional<std::string> normalize_build_id(std::string_view hex);

/// The path of a separate debug file under a debug directory:
/// "<debug_dir>/.build-id/<first two hex digits>/<the rest>.debug". `build_id` must be normalized.
std::string build_id_debug_path(std::string_view debug_dir, std::string_view build_id);

}  // namespace leakscope::symbols
