// Text made safe for XML 1.0 element content and double-quoted attributes (JUnit). Unlike HTML, XML
// 1.0 cannot carry most C0 control characters even escaped, so they become U+FFFD; a target's
// command line or a demangled name can hold anything.
#pragma once

#include <string>
#include <string_view>

namespace leakscope::report {

inline std::string escape_xml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            case '\t': case '\n': case '\r': out += c; break;
            default:
                if (byte < 0x20 || byte == 0x7f) out += "\xEF\xBF\xBD";
                else out += c;
        }
    }
    return out;
}

}  // namespace leakscope::report
