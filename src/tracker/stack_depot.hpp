// Deduplicates call stacks into small integer ids where they are captured, and keeps the per-stack
// aggregates (live bytes/count, totals) next to them. Look-ups are lock-free; only inserting a new
// stack takes the lock of one of 64 shards. Stack records never move and are never freed, so the
// transport thread reads them without locks (a record is published with a release store of `ready`).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>


namespace leakscope::tracker {

using LocalStackId = std::uint32_t;
/// Id 0: allocations whose stack could not be recorded (depot full, unwinding failed).
inline constexpr LocalStackId kUnknownStack = 0;

/// All zero is a record's empty state: the depot hands out records on fresh zero pages without
/// constructing them (allocate_record), so every member's initial value must stay 0.
struct alignas(64) StackRecord {
    // Aggregates folded in from the per-thread counters (thread_counters.hpp) when a thread's cache
    // entry is reused, or added directly by threads that have no counter slot. Live = allocated - freed.
    std::atomic<std::uint64_t> allocated_count{0};
    std::atomic<std::uint64_t> allocated_bytes{0};
    std::atomic<std::uint64_t> freed_count{0};
    std::atomic<std::uint64_t> freed_bytes{0};
    // Identity, written once before `ready`.
    const std::uint64_t* frames = nullptr;
    std::uint32_t frame_count = 0;
    std::uint32_t hash = 0;
    std::atomic<bool> ready{false};
};
static_assert(std::is_trivially_destructible_v<StackRecord>, "records on the depot's pages are never destroyed");

class StackDepot {
public:
    /// Id of the stack with these frames, inserting it when new. Never allocates through malloc.
    LocalStackId intern(const std::uint64_t* frames, std::size_t count) { return intern(frames, count, hash(frames, count)); }
    /// The same with the frames' hash() already at hand.
    LocalStackId intern(const std::uint64_t* frames, std::size_t count, std::uint32_t hash);
    /// The depot's hash of a stack (never 0).
    static std::uint32_t hash(const std::uint64_t* frames, std::size_t count);
    /// Record of an id below published_count(); the unknown stack (0) always exists.
    StackRecord& record(LocalStackId id);
    /// Like record(), but nullptr for an id whose record could not be allocated or is not filled yet.
    const StackRecord* ready_record(LocalStackId id) const;
    /// Ids [0, published_count()) have been handed out; a record may still be filling (check `ready`).
    std::uint32_t published_count() const { return next_id_.load(std::memory_order_acquire); }

    /// Bytes of depot memory mapped so far (records, frame arenas, hash tables).
    std::size_t footprint_bytes() const { return footprint_.load(std::memory_order_relaxed); }

    /// Fork support: hold every shard lock and the chunk lock so the child inherits consistent tables.
    void lock_all();
    void unlock_all();

    static constexpr std::uint32_t kChunkBits = 12;
    static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;  ///< records per chunk
    static constexpr std::uint32_t kMaxChunks = 4096;               ///< 16M stacks at most

private:
    // A shard's lock is g_fork_state.depot_shards[its index], the chunk lock g_fork_state.depot_chunks
    // (fork_state.hpp: what the fork handlers lock, on pages of their own).
    struct alignas(64) Shard {
        /// Open-addressing table: word 0 holds the capacity, then slots of (hash << 32 | id), 0 = empty.
        /// Replaced (never freed) when it grows, so a lock-free reader holding the old pointer still
        /// reads valid memory of a consistent size.
        std::atomic<std::uint64_t*> table{nullptr};
        std::uint32_t used = 0;
        // Arena for frame arrays.
        std::uint64_t* arena = nullptr;
        std::size_t arena_left = 0;
    };

    LocalStackId find(Shard& shard, std::uint32_t hash, const std::uint64_t* frames, std::size_t count);
    bool grow(Shard& shard);
    StackRecord* allocate_record(LocalStackId id);
    std::uint64_t* store_frames(Shard& shard, const std::uint64_t* frames, std::size_t count);

    static constexpr std::size_t kShards = 64;
    Shard shards_[kShards];
    std::atomic<std::uint32_t> next_id_{1};
    std::atomic<StackRecord*> chunks_[kMaxChunks]{};
    std::atomic<std::size_t> footprint_{0};
    StackRecord unknown_;
};

/// One thread's last interned stack, and a small cache of its recent ones. Consecutive allocations from
/// one place (a loop, a container that grows) have the same frames, and comparing them with the frames
/// the depot stored for the last id (lines this thread has just read) skips the depot's hash table,
/// which misses the cache (8% of perf's samples under full tracking of ../shared/bench/churn.cpp).
/// Programs whose stacks change on nearly every allocation but keep coming back to a few dozen (bash's
/// interpreter loop: 12% of the run in the depot's look-ups) find them by hash among the thread's recent
/// stacks, again compared frame by frame with the depot's copy. Exact: an id is reused only for the very
/// same frames. Used by its owning thread only (it lives in its counter slot).
struct StackMemo {
    const std::uint64_t* frames = nullptr;  ///< the depot's copy: records never move nor change
    std::uint32_t count = 0;
    LocalStackId id = kUnknownStack;

    /// `known_hash`: StackDepot::hash of the stack when the caller has it (the frame walk's memo), else 0.
    LocalStackId intern(StackDepot& depot, const std::uint64_t* stack, std::size_t stack_count, std::uint32_t known_hash = 0) {
        if (stack_count == count && stack_count != 0 && same(frames, stack, stack_count)) return id;
        return intern_changed(depot, stack, stack_count, known_hash);
    }

private:
    static bool same(const std::uint64_t* a, const std::uint64_t* b, std::size_t n) {
        std::size_t i = 0;
        while (i < n && a[i] == b[i]) ++i;
        return i == n;
    }
    LocalStackId intern_changed(StackDepot& depot, const std::uint64_t* stack, std::size_t stack_count, std::uint32_t known_hash);

    struct Recent {
        const std::uint64_t* frames = nullptr;
        std::uint32_t count = 0;
        LocalStackId id = kUnknownStack;
    };
    static constexpr unsigned kRecentBits = 8;
    Recent recent_[1u << kRecentBits];
};

}  // namespace leakscope::tracker
