#include "stack_capture.hpp"

#include <link.h>

#include "os.hpp"

namespace leakscope::tracker {

std::uintptr_t g_self_start LEAKSCOPE_STARTUP_DATA = 0;
std::uintptr_t g_self_end LEAKSCOPE_STARTUP_DATA = 0;

namespace {

int find_self(dl_phdr_info* info, std::size_t, void*) {
    auto probe = reinterpret_cast<std::uintptr_t>(&find_self);
    std::uintptr_t low = UINTPTR_MAX, high = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const auto& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (start < low) low = start;
        if (start + ph.p_memsz > high) high = start + ph.p_memsz;
    }
    if (probe >= low && probe < high) {
        g_self_start = low;
        g_self_end = high;
        return 1;
    }
    return 0;
}

}  // namespace

void initialize_stack_capture() {
    // libunwind (its per-thread cache included) comes later, from a safe place: libunwind_loader.hpp.
    initialize_frame_walk();
    dl_iterate_phdr(find_self, nullptr);
    python::initialize();
}

}  // namespace leakscope::tracker
