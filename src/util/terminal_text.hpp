// Program text shown on a terminal (site names, warnings from a recording, paths): control
// characters are written visibly (\x1b, \u009b) so a name or a crafted recording cannot move the
// cursor, recolor, retitle the window or hide lines. Our own colors are added around escaped text.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "util/utf8_text.hpp"

namespace leakscope::util {

inline std::string terminal_text(std::string_view text) {
    const std::string valid = valid_utf8(text);
    std::string out;
    out.reserve(valid.size());
    char hex[8];
    for (std::size_t i = 0; i < valid.size(); ++i) {
        const auto c = static_cast<unsigned char>(valid[i]);
        if (c < 0x20 || c == 0x7F) {
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else if (c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xA0) {
            // U+0080..U+009F: the C1 controls (CSI, OSC ...), which some terminals obey.
            std::snprintf(hex, sizeof hex, "\\u%04x", static_cast<unsigned char>(valid[++i]));
            out += hex;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace leakscope::util
