// The real allocation functions behind the hooks, and the bootstrap allocator that serves the few
// allocations dlsym makes while they are being looked up.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace leakscope::tracker {

struct RealFunctions {
#define LEAKSCOPE_REAL(name, ret, params) ret(*name) params;
#include "real_function_list.inc"
#undef LEAKSCOPE_REAL
};

extern RealFunctions g_real __attribute__((visibility("hidden")));  // addressed directly (see g_tracker)

/// Where the real functions are looked up: after this library (preloaded: the next definition), or in
/// the program's global scope (injected into a running program, which resolved its allocator already).
enum class RealLookup { kNextAfterThisLibrary, kProgramGlobalScope };

/// Looks every function up; returns false when one is missing (then the tracker stays off).
bool resolve_real_functions(RealLookup where = RealLookup::kNextAfterThisLibrary);

/// True once resolve_real_functions succeeded (its results stored all at once, after every look-up: the
/// allocations the look-ups themselves made came before).
inline bool real_functions_known() { return g_real.free != nullptr; }

/// Zeroed memory from a small static pool, for allocations made before the real functions are known.
void* bootstrap_allocate(std::size_t size, std::size_t alignment);
inline constexpr std::size_t kBootstrapBytes = 128 * 1024;
/// Every block of the pool starts at a multiple of this (and so does the pool): sampling mode's fast free
/// sends such an address on (LiveTable::kSampledBlockAlignment), and the presence filter pins each start.
inline constexpr std::size_t kBootstrapBlockAlignment = 4096;
extern unsigned char g_bootstrap_pool[kBootstrapBytes] __attribute__((visibility("hidden")));

/// True for pointers bootstrap_allocate returned: free() must not hand them to the real allocator.
inline bool is_bootstrap_pointer(const void* pointer) {
    auto p = reinterpret_cast<std::uintptr_t>(pointer);
    auto base = reinterpret_cast<std::uintptr_t>(g_bootstrap_pool);
    return p - base < kBootstrapBytes;  // unsigned: below the pool wraps to a huge value
}
/// Bytes of the pool from `pointer` to its end (an upper bound for the block's size).
std::size_t bootstrap_bytes_after(const void* pointer);
/// Bytes of the pool handed out so far (from its start; blocks start at kBootstrapBlockAlignment steps). Only the
/// thread resolving the real functions allocates here, before the tracker's tables are prepared.
std::size_t bootstrap_bytes_used();

}  // namespace leakscope::tracker
