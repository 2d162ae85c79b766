#include "libunwind_loader.hpp"

#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <libunwind.h>

#include "os.hpp"

#ifndef LEAKSCOPE_LIBUNWIND_SONAME
#define LEAKSCOPE_LIBUNWIND_SONAME "libunwind.so.8"
#endif

// The names behind libunwind.h's macros (unw_set_caching_policy, unw_local_addr_space for this target).
#define LEAKSCOPE_STRING(x) LEAKSCOPE_STRING_(x)
#define LEAKSCOPE_STRING_(x) #x

namespace leakscope::tracker {

constinit std::atomic<BacktraceFunction> g_libunwind_backtrace{nullptr};

namespace {

constinit std::atomic<bool> g_tried{false};
constinit std::atomic<bool> g_loading{false};

bool load() {
    // The program's own libunwind (linked, or loaded by a library) is the same object: used as it is.
    void* program_own = dlopen(LEAKSCOPE_LIBUNWIND_SONAME, RTLD_NOW | RTLD_NOLOAD);
    void* library = program_own ? program_own : dlopen(LEAKSCOPE_LIBUNWIND_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!library) return false;
    auto backtrace = reinterpret_cast<BacktraceFunction>(dlsym(library, "unw_backtrace"));
    if (!backtrace) return false;
    if (!program_own) {
        using SetPolicy = int (*)(unw_addr_space_t, unw_caching_policy_t);
        auto set_policy = reinterpret_cast<SetPolicy>(dlsym(library, LEAKSCOPE_STRING(unw_set_caching_policy)));
        auto* local = static_cast<unw_addr_space_t*>(dlsym(library, LEAKSCOPE_STRING(unw_local_addr_space)));
        if (set_policy && local) set_policy(*local, UNW_CACHE_PER_THREAD);
    }
    g_libunwind_backtrace.store(backtrace, std::memory_order_release);
    return true;
}

}  // namespace

bool load_libunwind() {
    if (g_tried.exchange(true, std::memory_order_acq_rel)) return libunwind_backtrace() != nullptr;
    g_loading.store(true, std::memory_order_release);
    const bool loaded = load();
    g_loading.store(false, std::memory_order_release);
    return loaded;
}

void wait_for_libunwind_load(std::uint64_t timeout_ns) {
    constexpr std::uint64_t kStepNs = 100000;
    for (std::uint64_t waited = 0; g_loading.load(std::memory_order_acquire) && waited < timeout_ns; waited += kStepNs)
        os::sleep_ns(kStepNs);
}

}  // namespace leakscope::tracker
