#include "allocator_module.hpp"

#include <link.h>

#include <atomic>
#include <cstdint>

#include "os.hpp"
#include "real_functions.hpp"

namespace leakscope::tracker {
namespace {

struct Range {
    std::uintptr_t low = 0, high = 0;
};

// Found once, on the first mapping the hook sees; two threads racing both find the same range.
constinit std::atomic<bool> g_found LEAKSCOPE_STARTUP_DATA{false};
constinit Range g_range LEAKSCOPE_STARTUP_DATA{};

int find_object(dl_phdr_info* info, std::size_t, void* data) {
    const auto target = reinterpret_cast<std::uintptr_t>(data);
    Range range{UINTPTR_MAX, 0};
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& segment = info->dlpi_phdr[i];
        if (segment.p_type != PT_LOAD) continue;
        const std::uintptr_t from = info->dlpi_addr + segment.p_vaddr;
        range.low = from < range.low ? from : range.low;
        range.high = from + segment.p_memsz > range.high ? from + segment.p_memsz : range.high;
    }
    if (target < range.low || target >= range.high) return 0;
    g_range = range;
    return 1;
}

}  // namespace

bool in_the_allocators_object(const void* code_address) {
    if (!g_found.load(std::memory_order_acquire)) {
        if (!g_real.malloc) return false;
        dl_iterate_phdr(find_object, reinterpret_cast<void*>(g_real.malloc));
        g_found.store(true, std::memory_order_release);
    }
    const auto address = reinterpret_cast<std::uintptr_t>(code_address);
    return address >= g_range.low && address < g_range.high;
}

}  // namespace leakscope::tracker
