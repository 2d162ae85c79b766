// The live allocations of the target: address -> (stack, size, count weight). 64 shards, each a pair of
// open-addressing tables behind its own spin lock, in pages from mmap: they grow and shrink with the
// number of live entries (memory stays proportional to the live set) and never call malloc.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "spin_lock.hpp"
#include "stack_depot.hpp"

namespace leakscope::tracker {

struct LiveEntry {
    std::uint64_t address;  ///< 0 = empty
    std::uint64_t bytes;    ///< requested size; in sampling mode the weighted byte estimate
    LocalStackId stack;
    std::uint32_t count_weight;  ///< 1; in sampling mode the weighted count estimate
};

/// How nearly every entry is kept: 16 bytes, four to a cache line and never across two (a 24-byte
/// LiveEntry straddles a line at 2 of its 8 offsets), so the table is a third smaller and a probe reads
/// one line. Full tracking's entries all fit (count weight 1, under 4 GiB); entries that do not (sampling
/// mode's weights, a block of 4 GiB or more) go to the shard's table of whole LiveEntry instead.
struct PackedEntry {
    std::uint64_t address;  ///< 0 = empty
    LocalStackId stack;
    std::uint32_t bytes;

    static bool fits(const LiveEntry& entry) { return entry.count_weight == 1 && entry.bytes <= UINT32_MAX; }
};
static_assert(sizeof(PackedEntry) == 16, "four entries to a cache line, none across two");

/// One open-addressing table of a shard (linear probing, backward-shift deletion, between a quarter and
/// half full). The operations are in live_table.cpp.
template <typename Entry>
struct ProbeArray {
    Entry* slots = nullptr;
    std::uint32_t capacity = 0;  // power of two
    std::uint32_t used = 0;      // live entries
};

class LiveTable {
public:
    /// False when the table could not grow (out of memory); the allocation is then simply untracked.
    /// An entry already at `address` (its free was missed) is replaced and returned in `replaced`.
    bool insert(std::uint64_t address, const LiveEntry& entry, LiveEntry* replaced = nullptr);
    /// Removes and returns the entry; false when the address is not tracked.
    bool remove(std::uint64_t address, LiveEntry& out);
    /// remove, with `release` (the block's real free) run under the shard's lock before the look-up.
    template <typename Release>
    bool remove_around(std::uint64_t address, LiveEntry& out, Release release);
    /// Sampling mode's general paths: false means certainly absent. The slot's count itself, read
    /// without its lock (one byte of 16 KiB).
    bool maybe_contains(std::uint64_t address) const {
        return __atomic_load_n(&filter_counts_[filter_slot(address)], __ATOMIC_RELAXED) != 0;
    }
    /// Where sampling mode places the blocks it samples when the fast free tests their address first
    /// (open_fast_release with `sampled_blocks_aligned`): at a multiple of this, so that every other block
    /// glibc hands out but one in 256 (16-byte steps) differs from them in its low 12 bits.
    static constexpr std::uint64_t kSampledBlockAlignment = 4096;
    /// The fast paths' test (hooks.cpp): true when `address` may go straight to the real free or realloc,
    /// nothing untracked. Free reads nothing else, no gate of the thread's. Opened for aligned sampled
    /// blocks (glibc), the address first: one not on a kSampledBlockAlignment boundary was never sampled,
    /// and a test of the pointer's own bits is resolved without waiting for a load that depends on it
    /// (the filter's bit below cost ~4% of the churn's CPU in sampling mode, for 9 instructions a free);
    /// a block on it is tested as before. While `open_fast_release` holds the bit is "the slot's count >
    /// 0"; closed, every bit is
    /// set, so every call goes on to the general path (before the real functions are known, full tracking,
    /// the modes that count every call, after a detach). One bit per slot (2 KiB in all), read on every
    /// free, so it stays in cache under the program's own data. Null and the bootstrap pool's blocks go
    /// on in both forms (their bits are pinned; they lie on the boundary: bootstrap_allocate).
    /// The filter's test comes second: the modes that use it (another allocator's figure) and the closed
    /// table (full tracking) pay the mask's two instructions before it.
    bool fast_release_allowed(std::uint64_t address) const {
        return fast_release_allowed(address, [] { return true; });
    }
    /// The same, with `off_boundary()` deciding for an address off the boundary (only ever called while the
    /// table is open for aligned samples): what may still be a sampled block there (hooks.cpp).
    template <typename OffBoundary>
    __attribute__((always_inline)) bool fast_release_allowed(std::uint64_t address, OffBoundary off_boundary_test) const {
#if defined(__x86_64__)
        // The address against a mask in memory, one `test` whose load does not wait for the pointer:
        // kSampledBlockAlignment - 1 while open for aligned samples, else 0, which sends every address on
        // to the filter's bit (a block on the boundary: one in 256 of glibc's, absent unless sampled).
        asm goto("testl %k0, %1\n\tjne %l[off_boundary]" : : "r"(address), "m"(aligned_release_.mask) : "cc" : off_boundary);
#else
        if (address & __atomic_load_n(&aligned_release_.mask, __ATOMIC_RELAXED)) return off_boundary_test();
#endif
        {
            const std::uint32_t hash = filter_hash(address);
            // The word from the hash's top 8 bits, the bit from the next 6 (the slot's low bits, as
            // filter_slot has them): one shift each, and the shift count is taken mod 64 for free.
            // The array's address goes through an empty asm so that it is one `lea`: GCC otherwise adds
            // the array's offset inside the Tracker to the index, an instruction more on every free.
            const std::uint64_t* bits = fast_bits_.words;
            asm("" : "+r"(bits));
            const std::uint64_t word = __atomic_load_n(&bits[hash >> (32 - kFilterBits + 6)], __ATOMIC_RELAXED);
            return !((word >> ((hash >> (32 - kFilterBits)) & 63)) & 1);
        }
#if defined(__x86_64__)
    off_boundary:
        return off_boundary_test();
#endif
    }
    /// True while the fast test is the address alone: a block on the boundary that the filter does not
    /// hold may go to the real free too (free_counted).
    bool aligned_release_open() const { return __atomic_load_n(&aligned_release_.mask, __ATOMIC_RELAXED) != 0; }
    /// Sampling mode with the heap from the allocator's figure, once the filter is enabled: the fast bits
    /// become the counts' "> 0" (takes every filter lock), and with `sampled_blocks_aligned` (every sampled
    /// block placed on kSampledBlockAlignment, from the start of tracking) the address's low bits are
    /// tested before them.
    void open_fast_release(bool sampled_blocks_aligned);
    /// The address test off and every fast bit set again. Takes no lock (a raw clone child calls it, where a lock may be held for
    /// ever): a filter_remove that saw the table open may still clear one bit, which only lets that slot's
    /// frees go straight to the real free, what a detached tracker does with every free anyway;
    /// clear() (the next attachment) sets them all again under the locks.
    void close_fast_release();
    /// Sampling mode. The filter bits of the null pointer and of every `pinned_step` of [pinned_start,
    /// pinned_start + pinned_bytes) (the bootstrap pool's blocks: real_functions.hpp) are set for good,
    /// so that the fast paths of free and realloc send them to the general path without a test of their own.
    void enable_presence_filter(std::uint64_t pinned_start = 0, std::size_t pinned_bytes = 0, std::size_t pinned_step = 16) {
        use_filter_ = true;
        pinned_start_ = pinned_start;
        pinned_bytes_ = pinned_bytes;
        pinned_step_ = pinned_step;
        pin_in_filter();
    }
    /// Starts loading the line where `address`'s entry is probed first, so that this cache miss overlaps
    /// other work (the stack capture, the block's header) instead of stalling under the shard's lock.
    /// Reads the shard without its lock: a stale or torn view only prefetches a useless line (a
    /// prefetch never faults).
    void prefetch(std::uint64_t address) const {
        const std::uint64_t h = mix(address);
        const Shard& shard = shards_[shard_of(address, h)];
        const PackedEntry* slots = __atomic_load_n(&shard.packed.slots, __ATOMIC_RELAXED);
        const std::uint32_t capacity = __atomic_load_n(&shard.packed.capacity, __ATOMIC_RELAXED);
        __builtin_prefetch(slots + (static_cast<std::uint32_t>(h) & (capacity - 1)), 1);
    }

    /// The hash of an address: its low bits pick the slot, its top bits the shard within a group.
    static std::uint64_t mix(std::uint64_t address) {
        std::uint64_t h = address * 0x9e3779b97f4a7c15ull;
        return h ^ (h >> 29);
    }

    std::size_t size() const;
    /// Bytes of table memory currently mapped (for the tracker's own footprint).
    std::size_t footprint_bytes() const;

    /// In a forked child: the state of a new LiveTable() (its parent's entries stay mapped, untouched, and its
    /// shard locks may have been held by threads that do not exist here), writing only what differs from
    /// it, so that the pages the parent left as a new table has them stay shared with it.
    void start_over_in_child();
    /// In a forked child, cheaper: forgets the parent's entries (the shards that held any start over) and
    /// keeps the filter as it is, counts, bits, pins and open state, writing nothing there, when that is
    /// sound: no filter lock was held at the fork (every count and bit is complete) and at most
    /// `max_stale_slots` slots beyond the pinned ones count a block. Their counts stay above the child's
    /// own (a count may overstate, never understate): a free whose address falls in one takes the
    /// general path and finds no entry. False, having changed nothing, when it is not sound: then
    /// start_over_in_child() and the filter set up again.
    bool forget_parent_entries_in_child(std::size_t max_stale_slots);
    /// Forgets every block (attach --track again: the blocks of an earlier attachment are baseline now,
    /// their frees must be ignored like those of any block allocated before the attachment).
    void clear();

private:
    struct alignas(64) Shard {
        SpinLock lock;
        ProbeArray<PackedEntry> packed;
        ProbeArray<LiveEntry> wide;  ///< entries that do not fit a PackedEntry; usually empty
    };
    /// The filter's slot is the top bits of a 32-bit multiplicative hash (Fibonacci hashing) of the
    /// address's low 32 bits, without `mix`'s shift and xor: read on every free of sampling mode, so
    /// every instruction counts (a 32-bit immediate multiply needs no 64-bit constant loaded first).
    /// Blocks 4 GiB apart share a slot: a rare false "maybe", never a miss.
    static std::uint32_t filter_hash(std::uint64_t address) { return static_cast<std::uint32_t>(address) * 0x9e3779b1u; }
    static std::size_t filter_slot(std::uint64_t address) { return filter_hash(address) >> (32 - kFilterBits); }
    void pin_in_filter();
    void pin_slot(std::uint64_t address);
    void filter_add(std::uint64_t address);
    void filter_remove(std::uint64_t address);
    void set_fast_bit(std::size_t slot, bool maybe);
    void lock_filter();
    void unlock_filter();
    static std::size_t shard_of(std::uint64_t address, std::uint64_t hash) {
        // Threads allocate from different malloc arenas (64 MiB-aligned heaps in glibc, usually mapped
        // next to each other), so the shard group comes from the address's 64 MiB region number:
        // neighbouring heaps land in different groups and each thread keeps to its own shards and cache
        // lines. The hash's top bits spread one thread's blocks over the 8 shards of its group.
        std::uint64_t group = (address >> 26) & 7;
        return (group << 3 | (hash >> 61)) & (kShards - 1);
    }

    static constexpr std::size_t kShards = 64;
    static constexpr int kFilterBits = 14;
    static constexpr std::size_t kFilterSize = std::size_t{1} << kFilterBits;
    static constexpr std::size_t kFilterLocks = 64;
    static constexpr std::size_t kFilterWords = kFilterSize / 64;
    struct alignas(64) FastBits {
        std::uint64_t words[kFilterWords];
    };
    static constexpr FastBits every_fast_bit_set() {
        FastBits bits{};
        for (auto& word : bits.words) word = ~std::uint64_t{0};
        return bits;
    }
    // What tracking's start writes (the filter's settings, the open fast bits) first, so that with the
    // head of the Tracker it lands on the page the library's relocations have written already: every
    // process started pays a copy-on-write fault per page of the library's data its start-up writes.
    bool use_filter_ = false;
    bool fast_open_ = false;  ///< written under every filter lock (or by close_fast_release), read under one
    std::uint64_t pinned_start_ = 0;  ///< enable_presence_filter's range, pinned again by clear()
    std::size_t pinned_bytes_ = 0;
    std::size_t pinned_step_ = 16;
    /// Read on every free, written when tracking starts and stops: a line of its own, which no sampled
    /// block's filter_add or filter_remove takes from the reading cores.
    struct alignas(64) AlignedRelease {
        std::uint32_t mask = 0;  ///< kSampledBlockAlignment - 1 while open, else 0
    };
    AlignedRelease aligned_release_;
    FastBits fast_bits_ = every_fast_bit_set();  ///< closed: every bit set
    /// One cache line each: as 64 one-byte locks in one line, every sampled block's filter_add and
    /// filter_remove took that line from whichever core had taken a lock last. Before the counts: tracking's
    /// start takes them all (open_fast_release) and pins null's count, the first; so the locks' second page
    /// is the first count's, and the start writes one page of the table beyond its head, not three.
    struct alignas(64) FilterLock {
        SpinLock lock;
    };
    FilterLock filter_locks_[kFilterLocks];
    // Counting filter of the addresses in the table (sampling mode only), so that freeing one of the
    // many unsampled pointers costs one read of a mostly-clean cache line instead of a shard lock.
    // The counts change only when a sampled block comes or goes (rare), under a lock per group of
    // slots; the fast paths read just the bit "count > 0", kept in step with the count under the same
    // lock while open, so the bit is never clear while an entry is in its slot. A count that reaches
    // 255 sticks there (its bit reads "maybe" forever): slower, never wrong. Counts and bits are plain
    // memory read and written with __atomic builtins.
    std::uint8_t filter_counts_[kFilterSize]{};
    Shard shards_[kShards];
};

}  // namespace leakscope::tracker

#include "live_table_probe.hpp"  // IWYU pragma: export
