#include "symbols/symbol_table.hpp"

#include <elfutils/libdwfl.h>

#include <algorithm>

namespace leakscope::symbols {
namespace {

// Prefer what people call a function: global over weak over local, then names without a leading '_'
// ("malloc" rather than "__libc_malloc" at the same address).
int alias_rank(const GElf_Sym& symbol, const char* name) {
    int rank = 0;
    switch (GELF_ST_BIND(symbol.st_info)) {
        case STB_GLOBAL: rank = 4; break;
        case STB_WEAK: rank = 2; break;
        default: break;
    }
    if (name[0] != '_') rank += 1;
    return rank;
}

}  // namespace

SymbolTable SymbolTable::read(Dwfl_Module* module) {
    std::vector<Symbol> symbols;
    const int count = dwfl_module_getsymtab(module);
    for (int i = 1; i < count; ++i) {  // entry 0 is the null symbol
        GElf_Sym symbol;
        GElf_Addr address = 0;
        GElf_Word section = 0;
        const char* name = dwfl_module_getsym_info(module, i, &symbol, &address, &section, nullptr, nullptr);
        if (name == nullptr || name[0] == '\0' || symbol.st_shndx == SHN_UNDEF || symbol.st_size == 0) continue;
        const int type = GELF_ST_TYPE(symbol.st_info);
        if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE) continue;
        symbols.push_back({address, symbol.st_size, name, alias_rank(symbol, name)});
    }
    return SymbolTable(std::move(symbols));
}

SymbolTable::SymbolTable(std::vector<Symbol> symbols) : symbols_(std::move(symbols)) {
    std::sort(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.size != b.size) return a.size < b.size;  // innermost first among nested symbols
        if (a.rank != b.rank) return a.rank > b.rank;
        return a.name < b.name;  // deterministic between equals
    });
    max_end_.reserve(symbols_.size());
    std::uint64_t furthest = 0;
    for (const auto& symbol : symbols_) {
        furthest = std::max(furthest, symbol.start + symbol.size);
        max_end_.push_back(furthest);
    }
}

const SymbolTable::Symbol* SymbolTable::find(std::uint64_t address) const {
    auto after = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                                  [](std::uint64_t value, const Symbol& symbol) { return value < symbol.start; });
    // Walk back from the last symbol starting at or below the address; once no earlier symbol reaches
    // the address (max_end_), none can hold it.
    const Symbol* best = nullptr;
    for (auto index = static_cast<std::size_t>(after - symbols_.begin()); index > 0; --index) {
        const Symbol& symbol = symbols_[index - 1];
        if (best != nullptr && symbol.start < best->start) break;  // the latest start is the innermost
        if (max_end_[index - 1] <= address) break;
        if (address >= symbol.start + symbol.size) continue;
        // Among symbols at the same start: the smallest, then the best-ranked alias.
        if (best == nullptr || symbol.size < best->size || (symbol.size == best->size && symbol.rank >= best->rank)) {
            best = &symbol;
        }
    }
    return best;
}

}  // namespace leakscope::symbols
