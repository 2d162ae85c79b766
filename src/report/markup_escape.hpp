// Escaping text for HTML/SVG bodies and attributes, and for JSON embedded in a <script> element.
#pragma once

#include <string>
#include <string_view>

#include "util/utf8_text.hpp"

namespace leakscope::report {

/// & < > " ' escaped: safe in element text and in double- or single-quoted attributes. Invalid UTF-8
/// becomes U+FFFD and control characters (which XML forbids in SVG) become spaces.
inline std::string escape_markup(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : util::valid_utf8(text)) {
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') || c == 0x7F) c = ' ';
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

/// JSON text made safe inside <script type="application/json">: "</script>" and "<!--" cannot occur
/// once every '<' is written as \u003c (still the same JSON value).
inline std::string escape_script_json(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    for (char c : json) {
        if (c == '<') out += "\\u003c";
        else out += c;
    }
    return out;
}

}  // namespace leakscope::report
