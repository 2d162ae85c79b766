// C++ names for people: demangling, and the qualified name of a function without its return type,
// parameters and qualifiers (what site naming matches against).
#pragma once

#include <string>
#include <string_view>

namespace leakscope::symbols {

/// The demangled form of an Itanium-ABI name ("_Z..."); any other name (C, already demangled) as is.
std::string demangle(std::string_view name);

/// The qualified name of a demangled function: "ns::Class<int>::add" for
/// "ns::Class<int>::add(int) const", "make<int>" for "std::vector<int> make<int>()" (templates carry
/// their return type), "operator new" for "operator new(unsigned long)". Names without a parameter
/// list come back unchanged.
std::string function_scope_name(std::string_view demangled);

}  // namespace leakscope::symbols
