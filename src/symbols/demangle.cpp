#include "symbols/demangle.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace leakscope::symbols {
namespace {

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Length of the operator token that starts at `at` ("operator<<", "operator()", "operator new[]",
// "operator int"), or 0 when no operator keyword starts there. Operator names hold brackets and
// spaces that must not be read as template arguments or as the return-type separator.
std::size_t operator_token_length(std::string_view text, std::size_t at) {
    constexpr std::string_view keyword = "operator";
    if (text.substr(at, keyword.size()) != keyword) return 0;
    if (at > 0 && is_identifier_char(text[at - 1])) return 0;
    std::size_t end = at + keyword.size();
    if (end < text.size() && is_identifier_char(text[end])) return 0;  // "operator_x" is an identifier
    if (text.substr(end, 2) == "()" || text.substr(end, 2) == "[]") return end + 2 - at;
    if (end < text.size() && text[end] == ' ') {
        // new, delete, or a conversion operator: the next identifier (and "[]" for the array forms).
        ++end;
        while (end < text.size() && (is_identifier_char(text[end]) || text[end] == ':')) ++end;
        if (text.substr(end, 2) == "[]") end += 2;
        return end - at;
    }
    // The longest operator that matches, not every symbol character: in "std::operator+<char, ...>(...)"
    // the "<" opens the template's arguments (taken as part of the operator, they unbalanced the rest, and
    // that libstdc++ function read as the program's own code, naming a sampled site).
    constexpr std::string_view kOperators[] = {"->*", "<=>", "<<=", ">>=", "->", "<<", ">>", "<=", ">=", "==", "!=",
                                               "&&",  "||",  "++",  "--",  "+=", "-=", "*=", "/=", "%=", "^=", "&=",
                                               "|=",  "+",   "-",   "*",   "/",  "%",  "^",  "&",  "|",  "~",  "!",
                                               "=",   "<",   ">",   ","};
    for (std::string_view op : kOperators) {
        if (text.substr(end, op.size()) == op) {
            end += op.size();
            break;
        }
    }
    // "operator<< <char>": the demangler separates an operator template's arguments with a space.
    if (text.substr(end, 2) == " <") ++end;
    return end - at;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Drops " [clone .cold]", " const", " &&" and the like from the end of a demangled name.
std::string_view strip_trailing_qualifiers(std::string_view text) {
    for (bool changed = true; changed;) {
        changed = false;
        while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
        if (ends_with(text, "]")) {
            const std::size_t open = text.rfind(" [clone ");
            if (open != std::string_view::npos) {
                text = text.substr(0, open);
                changed = true;
                continue;
            }
        }
        for (std::string_view qualifier : {" const", " volatile", " &&", " &", " noexcept"}) {
            if (ends_with(text, qualifier)) {
                text.remove_suffix(qualifier.size());
                changed = true;
            }
        }
    }
    return text;
}

}  // namespace

std::string demangle(std::string_view name) {
    if (name.size() < 2 || name.substr(0, 2) != "_Z") return std::string(name);
    int status = 0;
    const std::string mangled(name);
    std::unique_ptr<char, decltype(&std::free)> result(abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status),
                                                       &std::free);
    if (status != 0 || result == nullptr) return mangled;
    return std::string(result.get());
}

std::string function_scope_name(std::string_view demangled) {
    std::string_view text = strip_trailing_qualifiers(demangled);
    // Find, left to right, the top-level parameter list (the last top-level "(...)" at depth 0) and the
    // last top-level space before the name (the end of a template function's return type).
    int depth = 0;
    std::size_t params_at = std::string_view::npos;
    std::size_t name_at = 0;
    for (std::size_t i = 0; i < text.size();) {
        if (depth == 0) {
            if (const std::size_t op = operator_token_length(text, i); op > 0) {
                i += op;
                continue;
            }
        }
        const char c = text[i];
        if (c == '(' || c == '<' || c == '{' || c == '[') {
            if (depth == 0 && c == '(') params_at = i;
            ++depth;
        } else if (c == ')' || c == '>' || c == '}' || c == ']') {
            if (depth > 0) --depth;
        } else if (c == ' ' && depth == 0) {
            name_at = i + 1;
            params_at = std::string_view::npos;
        } else if (depth == 0 && c == ':') {
            params_at = std::string_view::npos;  // "f()::{lambda...}": that "(" was a scope, not the parameters
        }
        ++i;
    }
    if (params_at == std::string_view::npos || params_at < name_at) return std::string(text.substr(name_at));
    return std::string(text.substr(name_at, params_at - name_at));
}

}  // namespace leakscope::symbols
