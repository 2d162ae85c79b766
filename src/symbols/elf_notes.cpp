#include "symbols/elf_notes.hpp"

#include <cstring>

namespace leakscope::symbols {
namespace {

constexpr std::uint32_t kNoteGnuBuildId = 3;  // NT_GNU_BUILD_ID in <elf.h>
constexpr char kGnuOwner[] = "GNU";           // the owner name, NUL included: namesz == 4

std::uint32_t read_word(std::span<const std::uint8_t> bytes, std::size_t at) {
    std::uint32_t word = 0;
    std::memcpy(&word, bytes.data() + at, sizeof word);
    return word;
}

// Rounds up without overflow: returns nullopt when the result would not fit.
std::optional<std::size_t> align_up(std::size_t value, std::size_t alignment) {
    const std::size_t rest = value % alignment;
    if (rest == 0) return value;
    const std::size_t pad = alignment - rest;
    if (value > SIZE_MAX - pad) return std::nullopt;
    return value + pad;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (std::uint8_t byte : bytes) {
        hex.push_back(digits[byte >> 4]);
        hex.push_back(digits[byte & 0xf]);
    }
    return hex;
}

}  // namespace

std::optional<std::string> parse_gnu_build_id(std::span<const std::uint8_t> note_bytes, std::size_t alignment) {
    if (alignment != 8) alignment = 4;
    constexpr std::size_t kHeaderSize = 12;  // namesz, descsz, type: 32-bit words in ELF32 and ELF64 alike
    std::size_t at = 0;
    while (note_bytes.size() - at >= kHeaderSize) {
        const std::uint32_t name_size = read_word(note_bytes, at);
        const std::uint32_t desc_size = read_word(note_bytes, at + 4);
        const std::uint32_t type = read_word(note_bytes, at + 8);
        const std::size_t name_at = at + kHeaderSize;
        // The name is padded to 4 bytes; the descriptor starts at the section's alignment.
        const auto name_end = align_up(name_at + name_size, 4);
        if (!name_end || name_size > note_bytes.size()) return std::nullopt;
        const auto desc_at = align_up(*name_end, alignment);
        if (!desc_at || *desc_at > note_bytes.size() || desc_size > note_bytes.size() - *desc_at) return std::nullopt;
        if (type == kNoteGnuBuildId && name_size == sizeof kGnuOwner &&
            std::memcmp(note_bytes.data() + name_at, kGnuOwner, sizeof kGnuOwner) == 0) {
            if (desc_size == 0) return std::nullopt;
            return to_hex(note_bytes.subspan(*desc_at, desc_size));
        }
        const auto next = align_up(*desc_at + desc_size, alignment);
        if (!next || *next <= at) return std::nullopt;
        if (*next >= note_bytes.size()) return std::nullopt;
        at = *next;
    }
    return std::nullopt;
}

std::optional<std::string> normalize_build_id(std::string_view hex) {
    if (hex.size() < 4 || hex.size() % 2 != 0) return std::nullopt;
    std::string normalized;
    normalized.reserve(hex.size());
    for (char c : hex) {
        if (c >= '0' && c <= '9') {
            normalized.push_back(c);
        } else if (c >= 'a' && c <= 'f') {
            normalized.push_back(c);
        } else if (c >= 'A' && c <= 'F') {
            normalized.push_back(static_cast<char>(c - 'A' + 'a'));
        } else {
            return std::nullopt;
        }
    }
    return normalized;
}

std::string build_id_debug_path(std::string_view debug_dir, std::string_view build_id) {
    std::string path(debug_dir);
    if (path.empty() || path.back() != '/') path.push_back('/');
    path += ".build-id/";
    path += build_id.substr(0, 2);
    path.push_back('/');
    path += build_id.substr(2);
    path += ".debug";
    return path;
}

}  // namespace leakscope::symbols
