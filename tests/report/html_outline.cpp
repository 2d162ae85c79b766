#include "html_outline.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace leakscope::report::testing {

namespace {

std::string attribute(std::string_view attributes, std::string_view name) {
    std::string key = std::string(" ").append(name).append("=\"");
    std::string padded = std::string(" ").append(attributes);
    std::size_t at = padded.find(key);
    if (at == std::string::npos) return {};
    std::size_t start = at + key.size();
    std::size_t end = padded.find('"', start);
    return padded.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string signature(const std::string& tag, std::string_view attributes) {
    std::string text = tag;
    std::string id = attribute(attributes, "id");
    if (!id.empty()) text.append("#").append(id);
    std::string classes = attribute(attributes, "class");
    std::size_t start = 0;
    while (start < classes.size()) {
        std::size_t end = classes.find(' ', start);
        if (end == std::string::npos) end = classes.size();
        if (end > start) text.append(".").append(classes, start, end - start);
        start = end + 1;
    }
    return text;
}

bool is_void(const std::string& tag) {
    return tag == "meta" || tag == "br" || tag == "hr" || tag == "img" || tag == "input" || tag == "link";
}

bool summarizes(const std::string& tag, const std::string& classes) {
    return tag == "svg" || tag == "table" || tag == "ol" || tag == "ul" ||
           (tag == "div" && (classes == "tiles" || classes == "legend"));
}

}  // namespace

std::string html_outline(std::string_view html) {
    std::string out;
    int depth = 0;
    int summary_depth = -1;  // depth of the summarized container we are in, or -1
    std::vector<std::pair<std::string, int>> counts;
    auto indent = [&](int d) { return std::string(static_cast<std::size_t>(d) * 2, ' '); };

    std::size_t pos = 0;
    while ((pos = html.find('<', pos)) != std::string_view::npos) {
        if (html.substr(pos, 4) == "<!--") {
            pos = html.find("-->", pos);
            if (pos == std::string_view::npos) break;
            continue;
        }
        std::size_t close = html.find('>', pos);
        if (close == std::string_view::npos) break;
        std::string_view inside = html.substr(pos + 1, close - pos - 1);
        pos = close + 1;
        if (inside.empty() || inside[0] == '!') continue;
        bool closing = inside[0] == '/';
        if (closing) inside.remove_prefix(1);
        std::size_t name_end = 0;
        while (name_end < inside.size() && std::isalnum(static_cast<unsigned char>(inside[name_end]))) ++name_end;
        std::string tag(inside.substr(0, name_end));
        std::transform(tag.begin(), tag.end(), tag.begin(), [](unsigned char c) { return std::tolower(c); });
        if (tag.empty()) continue;
        std::string_view attributes = inside.substr(name_end);
        bool self_closing = (!attributes.empty() && attributes.back() == '/') || is_void(tag);

        if (closing) {
            --depth;
            if (summary_depth >= 0 && depth == summary_depth) {
                for (const auto& [sig, n] : counts) out += indent(depth + 1) + sig + " x" + std::to_string(n) + "\n";
                counts.clear();
                summary_depth = -1;
            }
            continue;
        }
        std::string sig = signature(tag, attributes);
        if (summary_depth >= 0) {
            auto found = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == sig; });
            if (found == counts.end()) counts.emplace_back(sig, 1);
            else ++found->second;
        } else {
            bool heading = tag == "h1" || tag == "h2" || tag == "h3" || tag == "title";
            if (heading || sig != tag || tag == "html" || tag == "body" || tag == "main" || tag == "section") {
                std::string line = indent(depth) + sig;
                if (heading) {
                    std::size_t text_end = html.find(std::string("</").append(tag), pos);
                    std::string text(html.substr(pos, text_end - pos));
                    // Headings' inner markup (<code>) is kept as text; the command differs per example.
                    line.append(": ").append(text);
                }
                out += line + "\n";
            }
            if (!self_closing && summarizes(tag, attribute(attributes, "class"))) summary_depth = depth;
        }
        // Script and style bodies may hold '<': skip to their end tag.
        if (tag == "script" || tag == "style") {
            std::size_t end = html.find(std::string("</").append(tag).append(">"), pos);
            if (end == std::string_view::npos) break;
            pos = end + tag.size() + 3;
            continue;
        }
        if (!self_closing) ++depth;
    }
    return out;
}

}  // namespace leakscope::report::testing
