// Which DWARF scopes hold an address: the innermost inlined instance, the ones around it, and the
// function. dwarf_getscopes answers that by walking the compile unit from its root on every call,
// which costs ~200 us per address in libc's large units; this walks each unit once to index its
// functions' address ranges, then descends only inside the one function that holds the address.
#pragma once

#include <elfutils/libdw.h>

#include <unordered_map>
#include <vector>

namespace leakscope::symbols {

class ScopeIndex {
public:
    /// The DIEs holding `pc` (a DWARF address, after the module's bias), innermost first and ending
    /// with the DW_TAG_subprogram; empty when no function of the unit holds it. `cu` is the unit's DIE.
    std::vector<Dwarf_Die> scopes(Dwarf_Die* cu, Dwarf_Addr pc);

private:
    struct FunctionRange {
        Dwarf_Addr low = 0;
        Dwarf_Addr high = 0;  ///< one past the end
        Dwarf_Die function{};
        std::size_t tree_order = 0;  ///< position of the function's DIE in the unit
    };
    struct UnitIndex {
        std::vector<FunctionRange> ranges;  ///< by low
        std::vector<Dwarf_Addr> max_high;   ///< max_high[i]: the furthest end among ranges[0..i]
    };
    const UnitIndex& unit_index(Dwarf_Die* cu);

    std::unordered_map<Dwarf_Off, UnitIndex> units_;  ///< by the unit DIE's offset
};

}  // namespace leakscope::symbols
