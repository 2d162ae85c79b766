// The function symbols of one module (.symtab, else .dynsym), sorted for binary search. libdwfl's own
// address-to-symbol search walks every symbol on every call; symbolizing thousands of addresses in
// libc that way costs ~100 us each, this costs a few hundred ns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct Dwfl_Module;

namespace leakscope::symbols {

class SymbolTable {
public:
    struct Symbol {
        std::uint64_t start = 0;  ///< module address (ELF virtual address)
        std::uint64_t size = 0;
        std::string name;         ///< as in the ELF file (mangled)
        int rank = 0;             ///< among aliases at one address, the higher is preferred
    };

    /// Reads the symbols libdwfl chose for the module (its debug file's .symtab, its own .symtab, or .dynsym).
    static SymbolTable read(Dwfl_Module* module);
    /// Builds a table from symbols in any order (tests).
    explicit SymbolTable(std::vector<Symbol> symbols);
    SymbolTable() = default;

    /// The innermost function symbol whose [start, start + size) holds `address`, nullptr when none.
    const Symbol* find(std::uint64_t address) const;
    std::size_t size() const { return symbols_.size(); }

private:
    std::vector<Symbol> symbols_;          ///< by start, then best alias first
    std::vector<std::uint64_t> max_end_;   ///< max_end_[i]: the furthest end among symbols_[0..i]
};

}  // namespace leakscope::symbols
