#include "report/readable_names.hpp"

#include <array>
#include <utility>

namespace leakscope::report {
namespace {

// Spelled-out typedefs, longest first.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kTypedefs{{
    {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"},
    {"std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"},
    {"std::basic_string_view<char, std::char_traits<char> >", "std::string_view"},
    {"std::__cxx11::", "std::"},
}};

// Template arguments that are the standard's defaults when they come last in a list.
constexpr std::array<std::string_view, 6> kDefaultArguments{
    ", std::allocator<", ", std::less<", ", std::equal_to<", ", std::hash<", ", std::char_traits<", ", std::default_delete<"};

bool replace_all(std::string& text, std::string_view from, std::string_view to) {
    std::string out;
    std::size_t from_here = 0;
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, from_here)) {
        out.append(text, from_here, at - from_here).append(to);
        from_here = at + from.size();
    }
    if (from_here == 0) return false;
    out.append(text, from_here, std::string::npos);
    text = std::move(out);
    return true;
}

/// The index of the '>' closing the '<' at `open`, or npos.
std::size_t matching_close(const std::string& text, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < text.size(); ++i) {
        if (text[i] == '<') ++depth;
        if (text[i] == '>' && --depth == 0) return i;
    }
    return std::string::npos;
}

/// Removes one default argument that ends its template argument list; false when none does.
bool drop_trailing_default(std::string& text) {
    for (std::string_view argument : kDefaultArguments) {
        for (std::size_t at = text.find(argument); at != std::string::npos; at = text.find(argument, at + 1)) {
            const std::size_t close = matching_close(text, at + argument.size() - 1);
            if (close == std::string::npos) return false;
            std::size_t after = close + 1;
            while (after < text.size() && text[after] == ' ') ++after;
            if (after < text.size() && text[after] == '>') {
                text.erase(at, after - at);
                return true;
            }
        }
    }
    return false;
}

bool balanced(std::string_view text) {
    long depth = 0;
    for (char c : text) {
        if (c == '<') ++depth;
        if (c == '>' && --depth < 0) return false;
    }
    return depth == 0;
}

}  // namespace

std::string readable_function(std::string_view name) {
    // operator<, operator>>, operator-> and friends leave the brackets unbalanced: no guide, the name stays whole.
    if (!balanced(name)) return std::string(name);
    std::string text(name);
    for (const auto& [from, to] : kTypedefs) replace_all(text, from, to);
    while (drop_trailing_default(text)) {
    }
    // The demangler closes nested lists as "> >"; the typedefs above leave "std::string >" too.
    while (replace_all(text, " >", ">")) {
    }
    return text;
}

}  // namespace leakscope::report
