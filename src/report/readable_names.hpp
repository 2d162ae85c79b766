// C++ names as a person reads them. A demangled libstdc++ name spells out every default template
// argument: `audit_keep(std::vector<std::__cxx11::basic_string<char, std::char_traits<char>,
// std::allocator<char> >, std::allocator<...> >&, long)` is `audit_keep(std::vector<std::string>&, long)`.
// The reports people read (terminal, Markdown, HTML) show the short form; the files tools read (JSON,
// SARIF, pprof, folded stacks) keep the exact demangled name.
#pragma once

#include <string>
#include <string_view>

namespace leakscope::report {

/// `name` with libstdc++'s string typedefs restored and default template arguments (allocators,
/// comparators, hashers, char traits, deleters) left out; any text that does not parse (unbalanced
/// brackets, not C++ at all) is returned as it came.
std::string readable_function(std::string_view name);

}  // namespace leakscope::report
