#include "real_functions.hpp"

#include "got_patch.hpp"
#include "os.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>


namespace leakscope::tracker {

RealFunctions g_real LEAKSCOPE_STARTUP_DATA{};

namespace {

std::atomic<std::size_t> g_bootstrap_used LEAKSCOPE_STARTUP_DATA{0};

}  // namespace

// dlsym allocates its error-state buffer (a few dozen bytes) with calloc the first time; 32 blocks are
// generous (untouched, the pool's pages cost nothing). The pool is never reused: what is freed here
// stays allocated.
alignas(kBootstrapBlockAlignment) unsigned char g_bootstrap_pool[kBootstrapBytes] LEAKSCOPE_PAGE_ALIGNED_BSS;

bool resolve_real_functions(RealLookup where) {
    // Injected with dlopen, this library is not in the global scope, so RTLD_DEFAULT finds what the
    // program itself calls (a preloaded jemalloc, say), never our own hooks.
    RealFunctions found{};
    // Injected, the program's lookup may find the executable's own PLT stub for a function it imports
    // (got_patch.hpp, definition_behind_program_plt): calling that stub once its slot holds our hook would
    // call the hook again. The function behind the stub is the real one.
    const auto real = [where](const char* name) -> void* {
        void* address = dlsym(where == RealLookup::kProgramGlobalScope ? RTLD_DEFAULT : RTLD_NEXT, name);
        if (where != RealLookup::kProgramGlobalScope || !address || !got::in_main_program(reinterpret_cast<std::uintptr_t>(address)))
            return address;
        const std::uintptr_t behind = got::definition_behind_program_plt(name);
        return behind ? reinterpret_cast<void*>(behind) : address;
    };
#define LEAKSCOPE_REAL(name, ret, params) \
    found.name = reinterpret_cast<ret(*) params>(real(#name)); \
    if (!found.name) return false;
#include "real_function_list.inc"
#undef LEAKSCOPE_REAL
    g_real = found;
    return true;
}

void* bootstrap_allocate(std::size_t size, std::size_t alignment) {
    if (alignment < kBootstrapBlockAlignment) alignment = kBootstrapBlockAlignment;
    std::size_t used = g_bootstrap_used.load(std::memory_order_relaxed);
    for (;;) {
        // Every block starts at a multiple of 16 from the pool's start: the presence filter pins each
        // such address that was handed out (bootstrap_bytes_used), so no fast path ever frees one.
        std::size_t start = (used + alignment - 1) & ~(alignment - 1);
        if (start + size > kBootstrapBytes || start + size < start) return nullptr;
        if (g_bootstrap_used.compare_exchange_weak(used, start + size, std::memory_order_relaxed)) return g_bootstrap_pool + start;
    }
}

std::size_t bootstrap_bytes_used() { return g_bootstrap_used.load(std::memory_order_relaxed); }

std::size_t bootstrap_bytes_after(const void* pointer) {
    auto p = reinterpret_cast<std::uintptr_t>(pointer);
    auto end = reinterpret_cast<std::uintptr_t>(g_bootstrap_pool) + kBootstrapBytes;
    return p < end ? end - p : 0;
}

}  // namespace leakscope::tracker
