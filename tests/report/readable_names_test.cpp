// The short C++ names the human reports show: libstdc++'s spelled-out defaults removed, anything that
// does not parse returned as it came.
#include <gtest/gtest.h>

#include <string>

#include "report/readable_names.hpp"

namespace leakscope::report {
namespace {

TEST(ReadableNames, LibstdcxxDefaultsAreLeftOut) {
    // Measured: the top site of a soak run under `leakscope run`, as libdw demangles it.
    EXPECT_EQ(readable_function("audit_keep(std::vector<std::__cxx11::basic_string<char, std::char_traits<char>, "
                                "std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, "
                                "std::char_traits<char>, std::allocator<char> > > >&, long)"),
              "audit_keep(std::vector<std::string>&, long)");
    EXPECT_EQ(readable_function("Cache::put(std::map<long, std::__cxx11::basic_string<char, std::char_traits<char>, "
                                "std::allocator<char> >, std::less<long>, std::allocator<std::pair<long const, "
                                "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > > > >&)"),
              "Cache::put(std::map<long, std::string>&)");
    EXPECT_EQ(readable_function("Index::add(std::unordered_map<long, int, std::hash<long>, std::equal_to<long>, "
                                "std::allocator<std::pair<long const, int> > >&)"),
              "Index::add(std::unordered_map<long, int>&)");
    EXPECT_EQ(readable_function("Pool::take(std::unique_ptr<Buffer, std::default_delete<Buffer> >)"), "Pool::take(std::unique_ptr<Buffer>)");
    EXPECT_EQ(readable_function("parse(std::basic_string_view<char, std::char_traits<char> >)"), "parse(std::string_view)");
    EXPECT_EQ(readable_function("std::__new_allocator<std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > >"
                                "::allocate(unsigned long, void const*)"),
              "std::__new_allocator<std::string>::allocate(unsigned long, void const*)");
}

TEST(ReadableNames, ArgumentsThatAreNotDefaultsStay) {
    // An allocator that is the only or first argument, or a comparator followed by more, is the program's.
    EXPECT_EQ(readable_function("std::__new_allocator<Node>::allocate(unsigned long, void const*)"),
              "std::__new_allocator<Node>::allocate(unsigned long, void const*)");
    EXPECT_EQ(readable_function("f(Table<int, std::less<int>, Extra>)"), "f(Table<int, std::less<int>, Extra>)");
    EXPECT_EQ(readable_function("std::vector<int, ArenaAllocator<int> >::push_back(int const&)"),
              "std::vector<int, ArenaAllocator<int>>::push_back(int const&)");
}

TEST(ReadableNames, WhatDoesNotParseComesBackAsItCame) {
    for (const std::string name : {"bool operator< <Key>(Key const&, Key const&)", "Iterator::operator->() const",
                                   "std::vector<int, std::allocator<int>", "??", "", "main::{lambda()#1}::operator()() const",
                                   "\x1b[31mred>>>", "_Z3foov"})
        EXPECT_EQ(readable_function(name), name);
}

}  // namespace
}  // namespace leakscope::report
