// The address range a loaded ELF object occupies: from the start of its lowest PT_LOAD segment to the
// end of its highest, at their load addresses. The tracker's module map (what leakscope symbolizes
// against) and the in-process Python path (src/api/site_growth.cpp) describe loaded objects the same
// way, so an address falls in the same module for both. Header-only and allocation-free: the preloaded
// tracker includes it without linking anything.
#pragma once

#include <link.h>

#include <algorithm>
#include <cstdint>

namespace leakscope {

struct LoadSpan {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  ///< 0: the object has no PT_LOAD segment (nothing of it is mapped)
};

inline LoadSpan load_span(const dl_phdr_info& info) {
    std::uint64_t low = ~0ull, high = 0;
    for (int i = 0; i < info.dlpi_phnum; ++i) {
        const auto& header = info.dlpi_phdr[i];
        if (header.p_type != PT_LOAD) continue;
        low = std::min<std::uint64_t>(low, info.dlpi_addr + header.p_vaddr);
        high = std::max<std::uint64_t>(high, info.dlpi_addr + header.p_vaddr + header.p_memsz);
    }
    return high == 0 ? LoadSpan{} : LoadSpan{low, high};
}

}  // namespace leakscope
