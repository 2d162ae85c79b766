// Text from programs (argv, comm, symbol names, file paths, output lines) is bytes, not UTF-8. Every
// report format needs valid UTF-8 (JSON refuses anything else), so text is made valid where it
// enters a report or the model: each invalid sequence becomes U+FFFD, and cutting text to a length
// never splits a character.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace leakscope::util {

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

/// Length of the valid UTF-8 sequence at text[at] (1-4), or 0 when the bytes there are not one
/// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
    const std::uint8_t lead = byte(at);
    if (lead < 0x80) return 1;
    std::size_t length;
    std::uint8_t low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) length = 2;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) low = 0xA0;       // overlong
        if (lead == 0xED) high = 0x9F;      // UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) low = 0x90;       // overlong
        if (lead == 0xF4) high = 0x8F;      // beyond U+10FFFF
    } else {
        return 0;
    }
    if (at + length > text.size()) return 0;
    if (byte(at + 1) < low || byte(at + 1) > high) return 0;
    for (std::size_t i = 2; i < length; ++i)
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
    return length;
}

inline bool is_valid_utf8(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t n = utf8_sequence_length(text, at);
        if (n == 0) return false;
        at += n;
    }
    return true;
}

/// `text` with every byte that does not start a valid sequence replaced by U+FFFD.
inline std::string valid_utf8(std::string_view text) {
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t n = utf8_sequence_length(text, at);
        if (n == 0) {
            out += kReplacementCharacter;
            ++at;
        } else {
            out.append(text.substr(at, n));
            at += n;
        }
    }
    return out;
}

/// Valid UTF-8 of at most `max_chars` characters; when cut, the last kept character is "…" (so the
/// result still has at most max_chars characters).
inline std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
    const std::string valid = valid_utf8(text);
    std::size_t chars = 0, at = 0, keep_end = 0;
    while (at < valid.size()) {
        if (chars + 1 == max_chars) keep_end = at;  // where "…" would go
        at += utf8_sequence_length(valid, at);
        if (++chars > max_chars) return max_chars == 0 ? std::string() : valid.substr(0, keep_end) + "\u2026";
    }
    return valid;
}

}  // namespace leakscope::util
