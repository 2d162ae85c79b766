#include "symbols/symbol_table.hpp"

#include <gtest/gtest.h>

namespace leakscope::symbols {
namespace {

std::string name_at(const SymbolTable& table, std::uint64_t address) {
    const auto* symbol = table.find(address);
    return symbol == nullptr ? "none" : symbol->name;
}

TEST(SymbolsSymbolTable, FindsTheInnermostSymbolHoldingTheAddress) {
    const SymbolTable table({
        {0x2000, 0x100, "second", 4},
        {0x1000, 0x100, "first", 4},
        {0x3000, 0x1000, "outer", 4},
        {0x3200, 0x10, "nested", 4},
        {0x5000, 0x20, "__libc_malloc", 4},
        {0x5000, 0x20, "malloc", 5},
        {0x5000, 0x20, "local_alias", 0},
    });
    EXPECT_EQ(name_at(table, 0x0fff), "none");
    EXPECT_EQ(name_at(table, 0x1000), "first");
    EXPECT_EQ(name_at(table, 0x10ff), "first");
    EXPECT_EQ(name_at(table, 0x1100), "none");  // the gap between two functions
    EXPECT_EQ(name_at(table, 0x2050), "second");
    EXPECT_EQ(name_at(table, 0x3100), "outer");
    EXPECT_EQ(name_at(table, 0x3205), "nested");
    EXPECT_EQ(name_at(table, 0x3210), "outer");  // after the nested symbol, inside the outer one again
    EXPECT_EQ(name_at(table, 0x3fff), "outer");
    EXPECT_EQ(name_at(table, 0x5010), "malloc");
    EXPECT_EQ(name_at(table, 0x6000), "none");
    EXPECT_EQ(name_at(SymbolTable(std::vector<SymbolTable::Symbol>{}), 0x1000), "none");
}

TEST(SymbolsSymbolTable, ALongSymbolReachesPastManyShortOnes) {
    std::vector<SymbolTable::Symbol> symbols = {{0x1000, 0x100000, "huge", 4}};
    for (std::uint64_t i = 0; i < 1000; ++i) symbols.push_back({0x2000 + i * 0x20, 0x10, "short" + std::to_string(i), 4});
    const SymbolTable table(std::move(symbols));
    EXPECT_EQ(name_at(table, 0x2000 + 500 * 0x20 + 0x8), "short500");
    EXPECT_EQ(name_at(table, 0x2000 + 500 * 0x20 + 0x18), "huge");
    EXPECT_EQ(name_at(table, 0x100fff), "huge");
    EXPECT_EQ(name_at(table, 0x101000), "none");
}

}  // namespace
}  // namespace leakscope::symbols
