// The exported hooks: each one only forwards to the tracker core (tracker.hpp) and to the real function.
// Allocation hooks share one template (allocate), release hooks another (release), so the rules —
// initialize first, bootstrap while resolving, pass through when re-entered, track after success,
// untrack before the real free — are written once.
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "allocator_module.hpp"
#include "cxx_runtime.hpp"
#include "hook_linkage.hpp"
#include "os.hpp"
#include "real_functions.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport.hpp"
#include "usable_size.hpp"


namespace leakscope::tracker {
namespace {

/// std::has_single_bit without its popcount, which is a libgcc call on baseline x86-64 (cxx_runtime.hpp).
constexpr bool is_power_of_two(std::size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// ---- sampling mode's fast paths ----
// With --sample-bytes nearly every call is an unsampled allocation, the free of one, or a realloc from
// one into another. Those only touch
// this thread's own counters (no call into the core, no lock, no table), and each hook tests for them
// before anything else and otherwise tail-calls its general path (below), which is kept out of line:
// the general path inlines the stack capture (a 600-byte buffer and six saved registers), and while it
// shared the hook's frame that prologue ran on every call. Anything rare (another allocator than
// glibc's, a sampled block, a thread not set up) takes the general path, so the fast paths need little
// of a frame. With the allocator's own heap figure they count nothing and test one thing each: malloc,
// calloc, new and realloc the sampler's gap, which is 0 unless this thread takes them (thread_state.hpp,
// set_thread_fast_paths), free (and realloc) the presence filter's fast bit, all set whenever an
// unsampled block may not go straight to the real free (delete_block). Per-call counting's paths run a
// 16-bit compare of two thread-local bytes (which fast paths this thread takes, and the re-entrancy
// guard), the sampler's gap or the filter, glibc's chunk header (the chunk's size is what the totals
// count: usable_size.hpp) and two adds to this thread's counter slot. Every test that can be resolved
// once (sampling mode, which allocator, the thread's slot and seed, the transport started) is folded
// into the first test. Measured on the churn benchmark (bench/tracker).

/// Sampling mode with glibc's allocator, the caller is the program and this thread is ready.
inline bool glibc_fast_path_open() { return thread_fast_path_open(FastPaths::kGlibc); }

/// Takes `size` bytes off `gap` (the thread's bytes_until_sample for the uncounted fast paths, which test
/// nothing else, its parked_gap for the counting ones); false, taking nothing, when this allocation is
/// sampled or the gap is 0 (size >= gap: the gap is never negative, and the unsigned compare lets no huge
/// size overflow it). On x86-64 one subtraction from memory and a branch on its flags; the rare sampled
/// case puts the bytes back. A signal handler that allocates between the two sees a gap that wrapped
/// around and does not sample, which only moves the next sample (the gaps are memoryless).
inline bool passes_sampler(std::int64_t& gap, std::size_t size) {
#if defined(__x86_64__)
    // The gap is an input memory operand written under the "memory" clobber: GCC 12 drops what follows
    // the jump to the label when the gap is an asm goto output ("+m").
    asm goto("subq %1, %0\n\tjbe %l[sampled]" : : "m"(gap), "r"(size) : "cc", "memory" : sampled);
    return true;
sampled:
    gap += static_cast<std::int64_t>(size);
    return false;
#else
    auto until = static_cast<std::uint64_t>(gap);
    if (__builtin_expect(size >= until, 0)) return false;
    gap = static_cast<std::int64_t>(until - size);
    return true;
#endif
}

/// Sampling mode with the live heap from the allocator's own figure (glibc or jemalloc): an unsampled
/// call only samples and forwards, a tail call into the allocator with nothing counted (tcmalloc's shape:
/// a counter decrement). The gap is this thread's gate as well: it is 0 unless the thread takes these
/// paths (set_thread_fast_paths), and the tracker's own allocations may take them (they would pass
/// through untracked anyway; one that meets the sample point gets a fresh gap, redraw_sample_gap).
inline bool passes_uncounted_sampler(std::size_t size) { return passes_sampler(g_thread_state.bytes_until_sample, size); }

/// The counting fast paths' sampler (after their gate).
inline bool passes_counted_sampler(std::size_t size) { return passes_sampler(g_thread_state.parked_gap, size); }

/// The totals of an unsampled block, in this thread's own slot (claimed: its fast_paths byte says so).
inline void count_unsampled_allocation(std::size_t bytes) {
    ThreadSlot* slot = claimed_slot();
    bump(slot->live_heap_bytes, static_cast<std::int64_t>(bytes));
    bump(slot->allocations, 1);
}

inline void count_unsampled_free(std::size_t bytes) {
    ThreadSlot* slot = claimed_slot();
    bump_down(slot->live_heap_bytes, static_cast<std::int64_t>(bytes));
    bump(slot->frees, 1);
}

/// After the real call of a glibc fast path: counts the block by its chunk size, mmapped or not (a
/// failed call counts nothing; the bytes it took off the gap change no block's chance of being sampled:
/// the gaps are memoryless).
inline void* count_glibc_allocation(void* p) {
    if (__builtin_expect(p == nullptr, 0)) return p;
    count_unsampled_allocation(glibc_chunk_bytes(glibc_chunk_header(p)));
    return p;
}

/// A realloc's totals, both halves at once: the old chunk freed, the new one allocated.
inline void count_unsampled_resize(std::size_t old_bytes, std::size_t new_bytes) {
    ThreadSlot* slot = claimed_slot();
    bump(slot->live_heap_bytes, static_cast<std::int64_t>(new_bytes) - static_cast<std::int64_t>(old_bytes));
    bump(slot->allocations, 1);
    bump(slot->frees, 1);
}

/// Sampling mode with another allocator (jemalloc...): the same work, the usable size from the
/// allocator (a call). Null when the fast path does not apply or the call failed: go on to the general path.
template <typename RealCall>
inline void* other_allocator_fast_path(std::size_t size, RealCall real_call) {
    if (!thread_fast_path_open(FastPaths::kOtherAllocator) || !passes_counted_sampler(size)) return nullptr;
    void* p = real_call();
    if (p) count_unsampled_allocation(g_real.malloc_usable_size(p));
    return p;
}

/// True when the live table certainly does not hold `p`, a block the fast path may free (not null, not
/// from the bootstrap pool, and the presence filter's bit clear).
inline bool certainly_unsampled(void* p) {
    return p && !is_bootstrap_pointer(p) && !g_tracker.live.maybe_contains(reinterpret_cast<std::uint64_t>(p));
}

// ---- the general paths: initialization, bootstrap, re-entry, full tracking ----

/// A sampled block placed on LiveTable::kSampledBlockAlignment (Tracker::sampled_blocks_aligned), where
/// the fast free tells it from every unsampled one by its address: up to 8 KiB a block of its size class,
/// kept from one of the thread's earlier samples or else from glibc's memalign (sampled_block_cache.hpp);
/// at a larger alignment than the boundary's, glibc's memalign at its own size and alignment. A larger
/// block never comes here (allocate_sampled).
/// `zeroed` (calloc): glibc's fresh mapping of a large block reads as zeros already (its chunk header
/// says so, as glibc's own calloc asks) unless glibc's perturbation is on (MALLOC_PERTURB_, its tunable or
/// mallopt), which fills every block it hands out with a nonzero byte, the first one too: such a block,
/// and one from its heap or kept, is cleared.
inline void* allocate_on_boundary(std::size_t size, std::size_t alignment, bool zeroed) {
    constexpr std::size_t kBoundary = LiveTable::kSampledBlockAlignment;
    const std::size_t class_bytes = alignment <= kBoundary ? sampled_block_cache::class_usable_bytes(size) : 0;
    // A signal handler that allocates while this thread is inside take() would pop the same block: under
    // the guard its allocation goes straight to glibc instead.
    ReentrancyGuard guard;
    ThreadSlot* slot = claimed_slot();
    void* p = class_bytes && slot ? sampled_block_cache::take(slot->kept_blocks, class_bytes) : nullptr;
    if (!p) p = g_real.memalign(std::max(alignment, kBoundary), class_bytes ? class_bytes : size ? size : 1);
    if (p && zeroed && (!(glibc_chunk_header(p) & kGlibcIsMmapped) || *static_cast<const unsigned char*>(p) != 0))
        std::memset(p, 0, size);
    return p;
}

/// Sampling mode's half of allocate: the draw first, so that a sampled block is placed on the boundary.
template <typename RealCall>
__attribute__((noinline)) void* allocate_sampled(std::size_t size, std::size_t alignment, RealCall real_call, bool zeroed) {
    SampleDraw draw = draw_sample(size);
    void* p = nullptr;
    // Larger than the kept classes (and at no larger alignment than the boundary's), where glibc's malloc
    // would put it: glibc's memalign splits the alignment's slack off and gives the pieces back, and once
    // they are handed out again the freed block is too small for the next memalign of its size, so every
    // repeat takes new memory (30 sampled 1 MiB blocks allocated and freed every 2 s: RSS 35 to 138 MB in
    // 12 s, 22 MB untracked). The free finds it by its chunk's size and the filter (unsampled_off_boundary).
    if (!place_aligned(draw) || (alignment <= LiveTable::kSampledBlockAlignment && !sampled_block_cache::class_usable_bytes(size))) {
        p = real_call();
    } else if (alignment == 0 || is_power_of_two(alignment)) {
        p = allocate_on_boundary(size, alignment, zeroed);
    } else {
        // An alignment glibc rounds up or refuses, as the caller's call does: a block that may be off
        // the boundary is not sampled, since its free would not be seen (such calls are all but unknown).
        p = real_call();
        draw.sampled = false;
    }
    if (p) record_allocation(p, size, draw, true);
    return p;
}

/// Runs `real_call` and tracks its result as `size` requested bytes. `alignment` is the caller's (0:
/// malloc's): the bootstrap pool's while the real functions are being resolved, and a sampled block's
/// at least (allocate_on_boundary, which clears it when `zeroed`).
/// Hooks reach it by a tail call (see allocate_general), so a captured stack starts in this frame.
template <typename RealCall>
__attribute__((always_inline)) inline void* allocate(std::size_t size, std::size_t alignment, RealCall real_call, bool zeroed = false) {
    InitState state = current_state();
    // The pool only until the real functions are known: the rest of the start-up's look-ups (the
    // allocator's, libc's) allocate from the real allocator, untracked (the pool's every block is pinned
    // in the presence filter, a page of it written in every process started).
    if (__builtin_expect(state == InitState::kResolving, 0) && !real_functions_known())
        return bootstrap_allocate(size, alignment);  // static pool: zeroed, good for calloc too
    if (state == InitState::kActive && !g_thread_state.inside_tracker) {
        if (__builtin_expect(g_tracker.config.sample_bytes != 0, 0)) return allocate_sampled(size, alignment, real_call, zeroed);
        void* p = real_call();
        if (p) record_allocation(p, size, kNotSampled, false);
        return p;
    }
    void* p = real_call();
    // The tracker's own allocation met the sample point: a fresh gap for the program's next one.
    if (p && state == InitState::kActive && __builtin_expect(g_thread_state.fast_paths == FastPaths::kUncounted, 0))
        redraw_sample_gap();
    return p;
}

template <typename RealCall>
__attribute__((noinline)) void* allocate_general(std::size_t size, std::size_t alignment, RealCall real_call, bool zeroed = false) {
    if (void* p = other_allocator_fast_path(size, real_call)) return p;
    return allocate(size, alignment, real_call, zeroed);
}

/// Untracks `pointer`, then runs `real_release`. Bootstrap pointers are never given to the real allocator.
template <typename RealRelease>
__attribute__((noinline)) void release_general(void* pointer, RealRelease real_release) noexcept {
    if (thread_fast_path_open(FastPaths::kOtherAllocator) && certainly_unsampled(pointer)) {
        count_unsampled_free(g_real.malloc_usable_size(pointer));  // before the free: the size is read from the block
        return real_release();
    }
    if (!pointer || is_bootstrap_pointer(pointer)) return;
    InitState state = current_state();
    if (state == InitState::kResolving && !real_functions_known()) return;  // leak these few bytes
    if (state == InitState::kActive && !g_thread_state.inside_tracker) {
        // Both cache misses of a free at once: the table entry (waited for under the shard's lock) and
        // the block's header (read by the real free), instead of one after the other.
        g_tracker.live.prefetch(reinterpret_cast<std::uint64_t>(pointer));
        __builtin_prefetch(static_cast<const char*>(pointer) - sizeof(std::size_t));
        // Untracked before another thread can track the same address again (tracker.hpp).
        return untrack_and_free(pointer, real_release);
    }
    real_release();
}

inline bool on_boundary(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & (LiveTable::kSampledBlockAlignment - 1)) == 0; }

/// realloc with its result sampled (allocate_on_boundary). A block on the boundary already goes to glibc's
/// realloc, which keeps it there without a copy when it grows it in place or moves its mapping with mremap
/// (a sampled block of a large buffer grown step by step), and is copied only if glibc moved it within
/// its heap. A block off the boundary is copied once into a new block on it (glibc's realloc and a copy
/// after it would be two). Null when glibc's realloc finds no memory (the old block untouched).
inline void* reallocate_onto_boundary(void* old, std::size_t size, SampleDraw& draw) {
    void* p = old;
    if (on_boundary(old)) {
        p = g_real.realloc(old, size);
        if (!p || on_boundary(p)) return p;
    }
    void* fresh = allocate_on_boundary(size, 0, false);
    if (!fresh) {  // no memory for a block on the boundary: glibc's realloc as it is, its block unsampled
        draw.sampled = false;
        return p != old ? p : g_real.realloc(old, size);
    }
    std::memcpy(fresh, p, p == old ? std::min(size, g_real.malloc_usable_size(old)) : size);
    g_real.free(p);
    return fresh;
}

__attribute__((noinline)) void* reallocate(void* old, std::size_t size) {
    InitState state = current_state();
    if (state == InitState::kResolving && !real_functions_known()) {
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
    if (state != InitState::kActive || g_thread_state.inside_tracker) {
        if (state == InitState::kActive && g_thread_state.fast_paths == FastPaths::kUncounted) redraw_sample_gap();
        return g_real.realloc(old, size);
    }
    SampleDraw draw = g_tracker.config.sample_bytes != 0 && size != 0 ? draw_sample(size) : kNotSampled;
    Released released = take_released(old);
    // A larger block where glibc's realloc leaves it, as allocate_sampled places one.
    void* p = place_aligned(draw) && sampled_block_cache::class_usable_bytes(size) ? reallocate_onto_boundary(old, size, draw)
                                                                                   : g_real.realloc(old, size);
    if (p || size == 0) {  // glibc's realloc(p, 0) frees p and returns null
        account_released(released);
        if (p) record_allocation(p, size, draw, g_tracker.config.sample_bytes != 0);
    } else {
        restore_released(old, released);  // failed: the old block is still valid and still tracked
    }
    return p;
}

// ---- operator new: the throwing forms loop on the new-handler, as the standard requires ----

/// The general path of operator new, out of line like allocate_general so the stack starts here.
__attribute__((noinline)) void* new_general(std::size_t size, std::size_t alignment, bool throwing) {
    if (alignment <= alignof(std::max_align_t)) {
        if (void* p = other_allocator_fast_path(size, [size] { return g_real.malloc(size ? size : 1); })) return p;
    }
    for (;;) {
        void* p = alignment <= alignof(std::max_align_t)
                      ? allocate(size, 0, [size] { return g_real.malloc(size ? size : 1); })
                      : allocate(size, alignment, [size, alignment] { return g_real.memalign(alignment, size ? size : 1); });
        if (p || !throwing) return p;
        std::new_handler handler = program_new_handler();
        if (!handler) throw_program_bad_alloc();
        handler();
    }
}

// Per-call counting's fast paths (glibc without mallinfo2) and the general paths, out of line: the
// counting path calls the allocator and comes back, and inlined into the hook its saved register would
// cost the uncounted fast path a push and a pop on every call. Reached by a tail call.

__attribute__((noinline)) void* new_counted(std::size_t size, std::size_t alignment, bool throwing) {
    if (alignment <= alignof(std::max_align_t) && glibc_fast_path_open() && passes_counted_sampler(size)) {
        if (void* p = count_glibc_allocation(g_real.malloc(size ? size : 1))) return p;
    }
    return new_general(size, alignment, throwing);  // also the retry of a failed fast-path allocation
}

inline void* new_block(std::size_t size, std::size_t alignment, bool throwing) {
    if (alignment <= alignof(std::max_align_t) && passes_uncounted_sampler(size)) {
        if (void* p = g_real.malloc(size ? size : 1)) return p;
        return new_general(size, alignment, throwing);  // the new-handler's loop
    }
    return new_counted(size, alignment, throwing);
}

/// Per-call counting's free (glibc without mallinfo2, another allocator) and the general path, out of line
/// like malloc_counted: reached by a tail call once the fast free's filter said "maybe". Noexcept, as the
/// delete operators are, so that they reach it (and the real free) by a jump, not a call and a return.
__attribute__((noinline)) void free_counted(void* p) noexcept {
    // free(nullptr) comes here in every mode (null's filter slot is pinned) and does nothing in any:
    // answered before the general path's frame (six saved registers) and its gates. bash frees null
    // in one call of eleven (21,068 of 231,649 in the 3,000-iteration loop).
    if (!p) return;
    if (glibc_fast_path_open() && !g_tracker.live.maybe_contains(reinterpret_cast<std::uint64_t>(p))) {
        // Counted before the real free (the totals run a few nanoseconds ahead, never behind a reused
        // address), so that the free itself is a tail call.
        count_unsampled_free(glibc_chunk_bytes(glibc_chunk_header(p)));
        return g_real.free(p);
    }
    // Sampling mode's address test sends a block on the boundary here too: one in 256 of glibc's own
    // blocks, which the general path finds absent from the filter (the bootstrap pool's are pinned there).
    release_general(p, [p]() noexcept { g_real.free(p); });  // noexcept: reached by a jump
}

/// The fast test's answer for a block off the boundary, while sampled blocks are placed on it (glibc):
/// one larger than the kept classes may be a sampled block all the same, since those stay where glibc's
/// malloc puts them (allocate_sampled), and only the filter knows them. The block's chunk header first
/// (glibc's free reads it next anyway; its flag bits, 7 at most, leave a class's largest chunk at or below
/// kMaxClassHeader), the filter only for a large chunk. Never called with another allocator, where the 8
/// bytes before a block may be unmapped: the fast test is then the filter alone.
inline constexpr std::size_t kMaxClassHeader = sampled_block_cache::kMaxClassChunkBytes | 7;

/// Out of line, so that the table's address is not loaded on every free (the compiler hoisted it).
__attribute__((noinline)) bool absent_from_filter(const void* p) {
    return !g_tracker.live.maybe_contains(reinterpret_cast<std::uint64_t>(p));
}

inline bool unsampled_off_boundary(const void* p) { return glibc_chunk_header(p) <= kMaxClassHeader || absent_from_filter(p); }

inline void delete_block(void* p) noexcept {
    // The block's address alone (or the filter's bit), no gate of the thread's: an unsampled block needs
    // nothing but the real free (nothing is counted per call in this mode, and a tracker's own block is
    // never in the table), and whenever that is not so every address goes on
    // (LiveTable::fast_release_allowed). Null and the bootstrap pool's blocks go on to the general path too.
    if (g_tracker.live.fast_release_allowed(reinterpret_cast<std::uint64_t>(p), [p] { return unsampled_off_boundary(p); }))
        return g_real.free(p);
    free_counted(p);
}

/// glibc's realloc of an unsampled block into an unsampled one: counted like a free and an allocation,
/// without the general path's table work (bash and python3 resize strings and lists often). Null and the
/// bootstrap pool's blocks (their filter bits are pinned), size 0 (a free), a sampled block on either side
/// go to the general path. A failed call leaves the block and counts nothing.
__attribute__((noinline)) void* resize_counted(void* p, std::size_t size) {
    if (glibc_fast_path_open() && size != 0 && !g_tracker.live.maybe_contains(reinterpret_cast<std::uint64_t>(p)) &&
        passes_counted_sampler(size)) {
        const std::size_t old_bytes = glibc_chunk_bytes(glibc_chunk_header(p));  // before: realloc may free it
        void* fresh = g_real.realloc(p, size);
        if (fresh) count_unsampled_resize(old_bytes, glibc_chunk_bytes(glibc_chunk_header(fresh)));
        return fresh;
    }
    return reallocate(p, size);
}

inline void* resize_block(void* p, std::size_t size) {
    if (size != 0 && g_tracker.live.fast_release_allowed(reinterpret_cast<std::uint64_t>(p), [p] { return unsampled_off_boundary(p); }) &&
        passes_uncounted_sampler(size))
        return g_real.realloc(p, size);  // a failure leaves the block as it was: nothing to undo
    return resize_counted(p, size);
}

__attribute__((noinline)) void* malloc_counted(std::size_t size) {
    if (glibc_fast_path_open() && passes_counted_sampler(size)) return count_glibc_allocation(g_real.malloc(size));
    return allocate_general(size, alignof(std::max_align_t), [size] { return g_real.malloc(size); });
}

__attribute__((noinline)) void* calloc_counted(std::size_t count, std::size_t size, std::size_t bytes) {
    if (glibc_fast_path_open() && passes_counted_sampler(bytes)) return count_glibc_allocation(g_real.calloc(count, size));
    return allocate_general(bytes, alignof(std::max_align_t), [count, size] { return g_real.calloc(count, size); }, true);
}

}  // namespace
}  // namespace leakscope::tracker

using namespace leakscope::tracker;

// ---- C allocation functions ----

LEAKSCOPE_HOOK void* malloc(std::size_t size) {
    if (passes_uncounted_sampler(size)) return g_real.malloc(size);
    return malloc_counted(size);
}

LEAKSCOPE_HOOK void free(void* p) { delete_block(p); }

LEAKSCOPE_HOOK void* calloc(std::size_t count, std::size_t size) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;  // same as glibc: null, nothing allocated, nothing tracked
        return nullptr;
    }
    if (passes_uncounted_sampler(bytes)) return g_real.calloc(count, size);
    return calloc_counted(count, size, bytes);
}

LEAKSCOPE_HOOK void* realloc(void* p, std::size_t size) { return resize_block(p, size); }

LEAKSCOPE_HOOK void* reallocarray(void* p, std::size_t count, std::size_t size) {
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return resize_block(p, bytes);
}

LEAKSCOPE_HOOK int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
    // glibc's own test, first: a sampled block is placed with memalign, which would accept these.
    if (alignment % sizeof(void*) != 0 || !is_power_of_two(alignment)) return EINVAL;
    int result = 0;
    void* p = allocate_general(size, alignment, [&]() -> void* {
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
    return allocate_general(size, alignment, [alignment, size] { return g_real.aligned_alloc(alignment, size); });
}

LEAKSCOPE_HOOK void* memalign(std::size_t alignment, std::size_t size) {
    return allocate_general(size, alignment, [alignment, size] { return g_real.memalign(alignment, size); });
}

LEAKSCOPE_HOOK void* valloc(std::size_t size) {
    return allocate_general(size, 4096, [size] { return g_real.valloc(size); });
}

LEAKSCOPE_HOOK void* pvalloc(std::size_t size) {
    std::size_t rounded = (size + 4095) & ~static_cast<std::size_t>(4095);
    return allocate_general(rounded ? rounded : 4096, 4096, [size] { return g_real.pvalloc(size); });
}

// ---- mappings that hold memory: anonymous ones and those of memory-backed files ----

namespace {

/// `caller`: the hook's return address. The allocator's own mappings are the blocks it serves, counted already.
/// A PROT_NONE mapping is a reservation of address space (a JVM reserves its whole maximum heap, V8 its
/// cage): no page of it can be touched, so it holds no memory (record_mapping says what else follows).
void* map_hook(void* address, std::size_t length, int protection, int flags, int fd, off_t offset, const void* caller) {
    if (current_state() == InitState::kResolving)  // the real mmap is not known yet: ask the kernel
        return reinterpret_cast<void*>(syscall(SYS_mmap, address, length, protection, flags, fd, offset));
    void* p = g_real.mmap(address, length, protection, flags, fd, offset);
    if (p != MAP_FAILED && should_track() && !in_the_allocators_object(caller)) {
        // A file mapping is asked what backs it (one fstatfs): a memfd or /dev/shm buffer is memory.
        const bool holds_memory = (flags & MAP_ANONYMOUS) != 0 || os::is_memory_backed_file(fd);
        record_mapping(p, length, holds_memory, protection == PROT_NONE, (flags & MAP_FIXED) != 0);
    }
    return p;
}

}  // namespace

LEAKSCOPE_HOOK void* mmap(void* address, std::size_t length, int protection, int flags, int fd, off_t offset) {
    return map_hook(address, length, protection, flags, fd, offset, __builtin_return_address(0));
}

LEAKSCOPE_HOOK void* mmap64(void* address, std::size_t length, int protection, int flags, int fd, off_t offset) {
    return map_hook(address, length, protection, flags, fd, offset, __builtin_return_address(0));
}

LEAKSCOPE_HOOK int munmap(void* address, std::size_t length) {
    if (current_state() == InitState::kResolving) return static_cast<int>(syscall(SYS_munmap, address, length));
    // Before: the range may be reused at once.
    if (should_track() && !in_the_allocators_object(__builtin_return_address(0))) record_unmapping(address, length);
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
    if (p != MAP_FAILED && should_track() && !in_the_allocators_object(__builtin_return_address(0)))
        record_remapping(old_address, old_length, p, new_length);
    return p;
}

// ---- operator new / delete, every standard form ----

LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size) { return new_block(size, 0, true); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size) { return new_block(size, 0, true); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return new_block(size, 0, false); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return new_block(size, 0, false); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, std::align_val_t a) { return new_block(size, static_cast<std::size_t>(a), true); }
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, std::align_val_t a) { return new_block(size, static_cast<std::size_t>(a), true); }
LEAKSCOPE_CXX_HOOK void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return new_block(size, static_cast<std::size_t>(a), false);
}
LEAKSCOPE_CXX_HOOK void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return new_block(size, static_cast<std::size_t>(a), false);
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
