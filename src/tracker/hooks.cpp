// The exported hooks: each one only forwards to the tracker core (tracker.hpp) and to the real function.
// Allocation hooks share one template (allocate), release hooks another (release), so the rules —
// initialize first, bootstrap while resolving, pass through when re-entered, track after success,
// untrack before the real free — are written once.
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "real_functions.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport.hpp"
#include "usable_size.hpp"

#define LEAKSCOPE_HOOK extern "C" __attribute__((visibility("default")))
#define LEAKSCOPE_CXX_HOOK __attribute__((visibility("default")))

namespace leakscope::tracker {
namespace {

// ---- sampling mode's fast paths: an allocation that is not sampled, and the free of one, only touch
// this thread's own counters (no call into the core, no lock, no table) ----

inline bool unsampled_allocation_fast(void* p, std::size_t size) {
    if (!g_tracker.config.sample_bytes) return false;
    ThreadState& ts = g_thread_state;
    ThreadSlot* slot = claimed_slot();
    if (__builtin_expect(!slot || !ts.sampler_seeded || !transport::g_thread_started.load(std::memory_order_relaxed), 0))
        return false;  // first allocations of a thread, or the transport is not running yet: slow path
    std::int64_t left = ts.bytes_until_sample - static_cast<std::int64_t>(size);
    if (left <= 0) return false;  // this one is sampled: the core takes its stack
    ts.bytes_until_sample = left;
    bump(slot->live_heap_bytes, static_cast<std::int64_t>(usable_size(p)));
    bump(slot->live_allocations, 1);
    bump(slot->allocations, 1);
    return true;
}

/// Sampling mode: frees a block the live table certainly does not hold. False: take the slow path.
template <typename RealRelease>
inline bool unsampled_release_fast(void* p, RealRelease& real_release) {
    if (!g_tracker.config.sample_bytes) return false;
    ThreadSlot* slot = claimed_slot();
    if (!slot || g_tracker.live.maybe_contains(reinterpret_cast<std::uint64_t>(p))) return false;
    std::size_t usable = usable_size(p);  // before the block is gone
    real_release();
    bump(slot->live_heap_bytes, -static_cast<std::int64_t>(usable));
    bump(slot->live_allocations, -1);
    bump(slot->frees, 1);
    return true;
}

/// Runs `real_call` and tracks its result as `size` requested bytes. `bootstrap_alignment` > 0 means
/// the call may be served from the bootstrap pool while the real functions are being resolved.
template <typename RealCall>
inline void* allocate(std::size_t size, std::size_t bootstrap_alignment, RealCall real_call) {
    InitState state = current_state();
    if (__builtin_expect(state == InitState::kResolving, 0))
        return bootstrap_allocate(size, bootstrap_alignment);  // static pool: zeroed, good for calloc too
    void* p = real_call();
    if (p && state == InitState::kActive && !g_thread_state.inside_tracker && !unsampled_allocation_fast(p, size))
        record_allocation(p, size);
    return p;
}

/// Untracks `pointer`, then runs `real_release`. Bootstrap pointers are never given to the real allocator.
template <typename RealRelease>
inline void release(void* pointer, RealRelease real_release) {
    if (!pointer || is_bootstrap_pointer(pointer)) return;
    InitState state = current_state();
    if (state == InitState::kResolving) return;  // the real free is not known yet: leak these few bytes
    if (state == InitState::kActive && !g_thread_state.inside_tracker) {
        if (unsampled_release_fast(pointer, real_release)) return;
        // Untrack before the memory is really freed: another thread may get the same address right after.
        untrack_before_free(pointer);
        real_release();
        return;
    }
    real_release();
}

void* reallocate(void* old, std::size_t size) {
    InitState state = current_state();
    if (state == InitState::kResolving) {
        void* fresh = bootstrap_allocate(size, 0);
        if (fresh && old && is_bootstrap_pointer(old)) std::memmove(fresh, old, std::min(size, bootstrap_bytes_after(old)));
        return fresh;
    }
    if (is_bootstrap_pointer(old)) {
        // Moving out of the pool: the old block's size is unknown, so copy what the pool holds after it.
        void* fresh = allocate(size, 0, [&] { return g_real.malloc(size); });
        if (fresh) std::memcpy(fresh, old, std::min(size, bootstrap_bytes_after(old)));
        return fresh;
    }
    if (!old) return allocate(size, 0, [&] { return g_real.realloc(nullptr, size); });
    if (state != InitState::kActive || g_thread_state.inside_tracker) return g_real.realloc(old, size);
    Released released = take_released(old);
    void* p = g_real.realloc(old, size);
    if (p || size == 0) {  // glibc's realloc(p, 0) frees p and returns null
        account_released(released);
        if (p) record_allocation(p, size);
    } else {
        restore_released(old, released);  // failed: the old block is still valid and still tracked
    }
    return p;
}

// ---- operator new: the throwing forms loop on the new-handler, as the standard requires ----

void* new_or_null(std::size_t size, std::size_t alignment) {
    if (alignment <= alignof(std::max_align_t))
        return allocate(size, 0, [&] { return g_real.malloc(size ? size : 1); });
    return allocate(size, 0, [&] { return g_real.memalign(alignment, size ? size : 1); });
}

void* new_or_throw(std::size_t size, std::size_t alignment) {
    for (;;) {
        if (void* p = new_or_null(size, alignment)) return p;
        std::new_handler handler = std::get_new_handler();
        if (!handler) throw std::bad_alloc();
        handler();
    }
}

void delete_block(void* p) {
    release(p, [&] { g_real.free(p); });
}

}  // namespace
}  // namespace leakscope::tracker

using namespace leakscope::tracker;

// ---- C allocation functions ----

LEAKSCOPE_HOOK void* malloc(std::size_t size) {
    return allocate(size, alignof(std::max_align_t), [&] { return g_real.malloc(size); });
}

LEAKSCOPE_HOOK void free(void* p) { release(p, [&] { g_real.free(p); }); }

LEAKSCOPE_HOOK void* calloc(std::size_t count, std::size_t size) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;  // same as glibc: null, nothing allocated, nothing tracked
        return nullptr;
    }
    return allocate(bytes, alignof(std::max_align_t), [&] { return g_real.calloc(count, size); });
}

LEAKSCOPE_HOOK void* realloc(void* p, std::size_t size) { return reallocate(p, size); }

LEAKSCOPE_HOOK void* reallocarray(void* p, std::size_t count, std::size_t size) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return reallocate(p, bytes);
}

LEAKSCOPE_HOOK int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
    int result = 0;
    void* p = allocate(size, alignment, [&]() -> void* {
        void* q = nullptr;
        result = g_real.posix_memalign(&q, alignment, size);
        return result == 0 ? q : nullptr;
    });
    if (p) {
        *out = p;
        return 0;
    }
    return result ? result : ENOMEM;
}

LEAKSCOPE_HOOK void* aligned_alloc(std::size_t alignment, std::size_t size) {
    return allocate(size, alignment, [&] { return g_real.aligned_alloc(alignment, size); });
}

LEAKSCOPE_HOOK void* memalign(std::size_t alignment, std::size_t size) {
    return allocate(size, alignment, [&] { return g_real.memalign(alignment, size); });
}

LEAKSCOPE_HOOK void* valloc(std::size_t size) {
    return allocate(size, 4096, [&] { return g_real.valloc(size); });
}

LEAKSCOPE_HOOK void* pvalloc(std::size_t size) {
    std::size_t rounded = (size + 4095) & ~static_cast<std::size_t>(4095);
    return allocate(rounded ? rounded : 4096, 4096, [&] { return g_real.pvalloc(size); });
}

// ---- anonymous mappings ----

namespace {

void* map_hook(void* address, std::size_t length, int protection, int flags, int fd, off_t offset) {
    if (current_state() == InitState::kResolving)  // the real mmap is not known yet: ask the kernel
        return reinterpret_cast<void*>(syscall(SYS_mmap, address, length, protection, flags, fd, offset));
    void* p = g_real.mmap(address, length, protection, flags, fd, offset);
    if (p != MAP_FAILED && should_track()) record_mapping(p, length, (flags & MAP_ANONYMOUS) != 0, (flags & MAP_FIXED) != 0);
    return p;
}

}  // namespace

LEAKSCOPE_HOOK void* mmap(void* address, std::size_t length, int protection, int flags, int fd, off_t offset) {
    return map_hook(address, length, protection, flags, fd, offset);
}

LEAKSCOPE_HOOK void* mmap64(void* address, std::size_t length, int protection, int flags, int fd, off_t offset) {
    return map_hook(address, length, protection, flags, fd, offset);
}

LEAKSCOPE_HOOK int munmap(void* address, std::size_t length) {
    if (current_state() == InitState::kResolving) return static_cast<int>(syscall(SYS_munmap, address, length));
    if (should_track()) record_unmapping(address, length);  // before: the range may be reused at once
    return g_real.munmap(address, length);
}

LEAKSCOPE_HOOK void* mremap(void* old_address, std::size_t old_length, std::size_t new_length, int flags, ...) {
    void* new_address = nullptr;
    if (flags & MREMAP_FIXED) {
        __builtin_va_list args;
        __builtin_va_start(args, flags);
        new_address = __builtin_va_arg(args, void*);
        __builtin_va_end(args);
    }
    if (current_state() == InitState::kResolving)
        return reinterpret_cast<void*>(syscall(SYS_mremap, old_address, old_length, new_length, flags, new_address));
    void* p = g_real.mremap(old_address, old_length, new_length, flags, new_address);
    if (p != MAP_FAILED && should_track()) record_remapping(old_address, old_length, p, new_length);
    return p;
}

// ---- operator new / delete, every standard form ----

LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size) { return new_or_throw(size, 0); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size) { return new_or_throw(size, 0); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return new_or_null(size, 0); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return new_or_null(size, 0); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, std::align_val_t a) { return new_or_throw(size, static_cast<std::size_t>(a)); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, std::align_val_t a) { return new_or_throw(size, static_cast<std::size_t>(a)); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return new_or_null(size, static_cast<std::size_t>(a));
}
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return new_or_null(size, static_cast<std::size_t>(a));
}

LEAKSCOPE_CXX_HOOK void operator delete(void* p) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete(void* p, std::size_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p, std::size_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete(void* p, const std::nothrow_t&) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p, const std::nothrow_t&) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete(void* p, std::align_val_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p, std::align_val_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete(void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
LEAKSCOPE_CXX_HOOK void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
