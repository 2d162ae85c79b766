#include "symbols/demangle.hpp"

#include <gtest/gtest.h>

namespace leakscope::symbols {
namespace {

TEST(SymbolsDemangle, DemanglesItaniumNamesOnly) {
    EXPECT_EQ(demangle("_ZN10fixture_ns11AccumulatorIiE3addEi"), "fixture_ns::Accumulator<int>::add(int)");
    EXPECT_EQ(demangle("_Znwm"), "operator new(unsigned long)");
    EXPECT_EQ(demangle("malloc"), "malloc");
    EXPECT_EQ(demangle("_Z"), "_Z");  // broken mangling stays as it was
    EXPECT_EQ(demangle(""), "");
}

TEST(SymbolsDemangle, ScopeNameDropsParametersQualifiersAndReturnType) {
    EXPECT_EQ(function_scope_name("fixture_ns::Accumulator<int>::add(int)"), "fixture_ns::Accumulator<int>::add");
    EXPECT_EQ(function_scope_name("app::Cache::get(int) const"), "app::Cache::get");
    EXPECT_EQ(function_scope_name("std::vector<int, std::allocator<int> > app::make_vec<int>()"), "app::make_vec<int>");
    EXPECT_EQ(function_scope_name("operator new(unsigned long)"), "operator new");
    // An operator template's arguments right after the operator (no space but for < and <<).
    EXPECT_EQ(function_scope_name("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > "
                                  "std::operator+<char, std::char_traits<char>, std::allocator<char> >(std::__cxx11::"
                                  "basic_string<char, std::char_traits<char>, std::allocator<char> >&&, char const*)"),
              "std::operator+<char, std::char_traits<char>, std::allocator<char> >");
    EXPECT_EQ(function_scope_name("bool app::operator==<int>(app::Box<int> const&, app::Box<int> const&)"), "app::operator==<int>");
    EXPECT_EQ(function_scope_name("app::Vec::operator<=>(app::Vec const&) const"), "app::Vec::operator<=>");
    EXPECT_EQ(function_scope_name("app::Ptr::operator->() const"), "app::Ptr::operator->");
    EXPECT_EQ(function_scope_name("operator new[](unsigned long, std::nothrow_t const&)"), "operator new[]");
    EXPECT_EQ(function_scope_name("std::ostream& std::operator<< <std::char_traits<char> >(std::ostream&, char const*)"),
              "std::operator<< <std::char_traits<char> >");
    EXPECT_EQ(function_scope_name("(anonymous namespace)::helper(int)"), "(anonymous namespace)::helper");
    EXPECT_EQ(function_scope_name("app::run()::{lambda(int)#1}::operator()(int) const"),
              "app::run()::{lambda(int)#1}::operator()");
    EXPECT_EQ(function_scope_name("app::work(int) [clone .cold]"), "app::work");
    EXPECT_EQ(function_scope_name("malloc"), "malloc");
    EXPECT_EQ(function_scope_name("??"), "??");
    EXPECT_EQ(function_scope_name(""), "");
}

}  // namespace
}  // namespace leakscope::symbols
