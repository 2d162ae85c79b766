#include "symbols/scope_index.hpp"

#include <dwarf.h>

#include <algorithm>

namespace leakscope::symbols {
namespace {

// Every function with code in the unit, wherever its DIE sits (namespaces, classes, and other
// functions for nested functions and local classes).
void collect_functions(Dwarf_Die* parent, std::vector<Dwarf_Die>& functions) {
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0) return;
    for (;;) {
        const int tag = dwarf_tag(&child);
        if (tag == DW_TAG_subprogram) functions.push_back(child);
        // Inlined instances cannot hold other functions' code; skipping them saves most of the walk.
        if (tag != DW_TAG_inlined_subroutine && dwarf_haschildren(&child) > 0) collect_functions(&child, functions);
        Dwarf_Die next;
        if (dwarf_siblingof(&child, &next) != 0) break;
        child = next;
    }
}

bool has_pc_attributes(Dwarf_Die* die) {
    return dwarf_hasattr(die, DW_AT_low_pc) != 0 || dwarf_hasattr(die, DW_AT_ranges) != 0;
}

// Appends to `path` the scopes below `die` that hold `pc`, outermost first. Blocks without addresses
// of their own are looked into, as dwarf_getscopes does, but are not scopes of the address.
bool descend(Dwarf_Die* die, Dwarf_Addr pc, std::vector<Dwarf_Die>& path) {
    Dwarf_Die child;
    if (dwarf_child(die, &child) != 0) return false;
    for (;;) {
        const int tag = dwarf_tag(&child);
        if (tag != DW_TAG_subprogram) {  // a nested function is a scope of its own, found by the index
            if (has_pc_attributes(&child)) {
                if (dwarf_haspc(&child, pc) > 0) {
                    path.push_back(child);
                    descend(&child, pc, path);  // not &path.back(): the vector may grow
                    return true;
                }
            } else if (tag == DW_TAG_lexical_block && dwarf_haschildren(&child) > 0) {
                if (descend(&child, pc, path)) return true;
            }
        }
        Dwarf_Die next;
        if (dwarf_siblingof(&child, &next) != 0) return false;
        child = next;
    }
}

}  // namespace

const ScopeIndex::UnitIndex& ScopeIndex::unit_index(Dwarf_Die* cu) {
    const Dwarf_Off key = dwarf_dieoffset(cu);
    if (auto found = units_.find(key); found != units_.end()) return found->second;
    std::vector<Dwarf_Die> functions;
    collect_functions(cu, functions);
    UnitIndex index;
    for (std::size_t order = 0; order < functions.size(); ++order) {
        Dwarf_Addr base = 0, low = 0, high = 0;
        ptrdiff_t offset = 0;
        while ((offset = dwarf_ranges(&functions[order], offset, &base, &low, &high)) > 0) {
            if (low < high) index.ranges.push_back({low, high, functions[order], order});
        }
    }
    std::sort(index.ranges.begin(), index.ranges.end(),
              [](const FunctionRange& a, const FunctionRange& b) { return a.low < b.low; });
    Dwarf_Addr furthest = 0;
    for (const auto& range : index.ranges) {
        furthest = std::max(furthest, range.high);
        index.max_high.push_back(furthest);
    }
    return units_.emplace(key, std::move(index)).first->second;
}

std::vector<Dwarf_Die> ScopeIndex::scopes(Dwarf_Die* cu, Dwarf_Addr pc) {
    const UnitIndex& index = unit_index(cu);
    auto after = std::upper_bound(index.ranges.begin(), index.ranges.end(), pc,
                                  [](Dwarf_Addr value, const FunctionRange& range) { return value < range.low; });
    // Functions whose ranges overlap are aliases (assembly entry points sharing code): like
    // dwarf_getscopes, take the one that comes first in the unit.
    const FunctionRange* holder = nullptr;
    for (auto i = static_cast<std::size_t>(after - index.ranges.begin()); i > 0; --i) {
        if (index.max_high[i - 1] <= pc) break;
        const FunctionRange& range = index.ranges[i - 1];
        if (pc < range.high && (holder == nullptr || range.tree_order < holder->tree_order)) holder = &range;
    }
    if (holder == nullptr) return {};
    std::vector<Dwarf_Die> path{holder->function};
    descend(&path.front(), pc, path);
    std::reverse(path.begin(), path.end());
    return path;
}

}  // namespace leakscope::symbols
