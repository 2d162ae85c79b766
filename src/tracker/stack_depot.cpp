#include "stack_depot.hpp"

#include <cstring>
#include <new>

#include "fork_state.hpp"
#include "os.hpp"
#include "stack_hash.hpp"

namespace leakscope::tracker {
std::uint32_t StackDepot::hash(const std::uint64_t* frames, std::size_t count) {
    // Chained from the outermost frame in (stack_hash.hpp), so that the frame walk's memo can give the
    // hash of a stack whose outer part it resumed without hashing that part again. One chain of
    // multiplies is latency-bound on a deep stack; the walk's stacks seldom come here whole.
    std::uint64_t chain = stack_hash::kEmpty;
    for (std::size_t i = count; i-- > 0;) chain = stack_hash::step(chain, frames[i]);
    return stack_hash::finish(chain, count);
}

namespace {

constexpr std::uint32_t kInitialSlots = 256;
constexpr std::size_t kArenaWords = 2 * 1024;  // 16 KiB of frames per arena block and shard

// A plain loop: stacks are a few words long, shorter than a call to memcmp through the PLT.
inline bool same_frames(const std::uint64_t* a, const std::uint64_t* b, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i)
        if (a[i] != b[i]) return false;
    return true;
}

}  // namespace

StackRecord& StackDepot::record(LocalStackId id) {
    if (id == kUnknownStack) return unknown_;
    StackRecord* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    return chunk[id & (kChunkSize - 1)];
}

const StackRecord* StackDepot::ready_record(LocalStackId id) const {
    if (id == kUnknownStack) return &unknown_;
    if ((id >> kChunkBits) >= kMaxChunks) return nullptr;
    const StackRecord* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    if (!chunk) return nullptr;
    const StackRecord* rec = &chunk[id & (kChunkSize - 1)];
    return rec->ready.load(std::memory_order_acquire) ? rec : nullptr;
}

LocalStackId StackDepot::find(Shard& shard, std::uint32_t hash, const std::uint64_t* frames, std::size_t count) {
    std::uint64_t* table = shard.table.load(std::memory_order_acquire);
    if (!table) return kUnknownStack;
    auto capacity = static_cast<std::uint32_t>(table[0]);
    auto* slots = reinterpret_cast<std::atomic<std::uint64_t>*>(table + 1);
    for (std::uint32_t i = hash & (capacity - 1), probes = 0; probes < capacity; i = (i + 1) & (capacity - 1), ++probes) {
        std::uint64_t slot = slots[i].load(std::memory_order_acquire);
        if (slot == 0) return kUnknownStack;
        if (static_cast<std::uint32_t>(slot >> 32) != hash) continue;
        auto id = static_cast<LocalStackId>(slot);
        const StackRecord& candidate = record(id);
        if (candidate.frame_count == count && same_frames(candidate.frames, frames, count)) return id;
    }
    return kUnknownStack;
}

bool StackDepot::grow(Shard& shard) {
    std::uint64_t* old_table = shard.table.load(std::memory_order_relaxed);
    std::uint32_t old_capacity = old_table ? static_cast<std::uint32_t>(old_table[0]) : 0;
    std::uint32_t new_capacity = old_capacity ? old_capacity * 2 : kInitialSlots;
    auto* fresh_table = static_cast<std::uint64_t*>(os::map_pages((new_capacity + 1) * sizeof(std::uint64_t)));
    if (!fresh_table) return false;
    footprint_.fetch_add((new_capacity + 1) * sizeof(std::uint64_t), std::memory_order_relaxed);
    fresh_table[0] = new_capacity;
    auto* fresh = reinterpret_cast<std::atomic<std::uint64_t>*>(fresh_table + 1);
    auto* old = old_table ? reinterpret_cast<std::atomic<std::uint64_t>*>(old_table + 1) : nullptr;
    for (std::uint32_t i = 0; i < old_capacity; ++i) {
        std::uint64_t slot = old[i].load(std::memory_order_relaxed);
        if (!slot) continue;
        std::uint32_t j = static_cast<std::uint32_t>(slot >> 32) & (new_capacity - 1);
        while (fresh[j].load(std::memory_order_relaxed)) j = (j + 1) & (new_capacity - 1);
        fresh[j].store(slot, std::memory_order_relaxed);
    }
    shard.table.store(fresh_table, std::memory_order_release);
    // The old table is deliberately kept: lock-free readers may still be probing it. Tables double, so
    // the abandoned ones add up to less than the live one.
    return true;
}

std::uint64_t* StackDepot::store_frames(Shard& shard, const std::uint64_t* frames, std::size_t count) {
    if (shard.arena_left < count) {
        auto* block = static_cast<std::uint64_t*>(os::map_pages(kArenaWords * sizeof(std::uint64_t)));
        if (!block) return nullptr;
        footprint_.fetch_add(kArenaWords * sizeof(std::uint64_t), std::memory_order_relaxed);
        shard.arena = block;
        shard.arena_left = kArenaWords;
    }
    std::uint64_t* out = shard.arena;
    std::memcpy(out, frames, count * sizeof(std::uint64_t));
    shard.arena += count;
    shard.arena_left -= count;
    return out;
}

StackRecord* StackDepot::allocate_record(LocalStackId id) {
    std::uint32_t chunk_index = id >> kChunkBits;
    if (chunk_index >= kMaxChunks) return nullptr;
    StackRecord* chunk = chunks_[chunk_index].load(std::memory_order_acquire);
    if (!chunk) {
        SpinLockHolder hold(g_fork_state.depot_chunks.lock);
        chunk = chunks_[chunk_index].load(std::memory_order_relaxed);
        if (!chunk) {
            void* pages = os::map_pages(kChunkSize * sizeof(StackRecord));
            if (!pages) return nullptr;
            footprint_.fetch_add(kChunkSize * sizeof(StackRecord), std::memory_order_relaxed);
            // Fresh pages are zero, and zero is every record's empty state (stack_depot.hpp), as for the
            // live table's entries: constructing the 4,096 records would write all 64 pages of the chunk at
            // once. A bash running /bin/true in a loop interns a few dozen stacks; the 256 KiB it touched
            // cost 64 page faults in every process that interns one, and as many page-table entries that
            // each of its forks copied and each exec after it tore down again.
            chunk = static_cast<StackRecord*>(pages);
            chunks_[chunk_index].store(chunk, std::memory_order_release);
        }
    }
    return &chunk[id & (kChunkSize - 1)];
}

LocalStackId StackDepot::intern(const std::uint64_t* frames, std::size_t count, std::uint32_t hash) {
    if (count == 0) return kUnknownStack;
    const std::uint32_t shard_index = hash >> 26;  // top bits pick the shard, low bits the slot
    static_assert(kShards == ForkState::kDepotShards);
    Shard& shard = shards_[shard_index];
    if (LocalStackId found = find(shard, hash, frames, count)) return found;

    SpinLockHolder hold(g_fork_state.depot_shards[shard_index].lock);
    if (LocalStackId found = find(shard, hash, frames, count)) return found;  // raced with another inserter
    std::uint64_t* table = shard.table.load(std::memory_order_relaxed);
    if ((!table || (shard.used + 1) * 4 > table[0] * 3) && !grow(shard)) return kUnknownStack;
    if (next_id_.load(std::memory_order_relaxed) >= kMaxChunks * kChunkSize) return kUnknownStack;

    const std::uint64_t* stored = store_frames(shard, frames, count);
    if (!stored) return kUnknownStack;
    LocalStackId id = next_id_.fetch_add(1, std::memory_order_acq_rel);
    StackRecord* rec = allocate_record(id);
    if (!rec) return kUnknownStack;  // the id stays unused; the transport skips records never made ready
    rec->frames = stored;
    rec->frame_count = static_cast<std::uint32_t>(count);
    rec->hash = hash;
    rec->ready.store(true, std::memory_order_release);

    table = shard.table.load(std::memory_order_relaxed);
    auto capacity = static_cast<std::uint32_t>(table[0]);
    auto* slots = reinterpret_cast<std::atomic<std::uint64_t>*>(table + 1);
    std::uint32_t i = hash & (capacity - 1);
    while (slots[i].load(std::memory_order_relaxed)) i = (i + 1) & (capacity - 1);
    slots[i].store((static_cast<std::uint64_t>(hash) << 32) | id, std::memory_order_release);
    ++shard.used;
    return id;
}

LocalStackId StackMemo::intern_changed(StackDepot& depot, const std::uint64_t* stack, std::size_t stack_count,
                                       std::uint32_t known_hash) {
    count = 0;  // unknown until found: nothing to reuse, the next capture asks again
    if (stack_count == 0) return kUnknownStack;
    const std::uint32_t hash = known_hash ? known_hash : StackDepot::hash(stack, stack_count);
    Recent& recent = recent_[hash & ((1u << kRecentBits) - 1)];
    if (recent.count != stack_count || !same(recent.frames, stack, stack_count)) {
        const LocalStackId interned = depot.intern(stack, stack_count, hash);
        if (interned == kUnknownStack) return interned;
        const StackRecord& rec = depot.record(interned);  // made ready by this thread or seen ready by it
        recent = Recent{rec.frames, rec.frame_count, interned};
    }
    frames = recent.frames;
    count = recent.count;
    id = recent.id;
    return id;
}

// Shards first: an intern holds its shard's lock when it takes the chunk lock (the other order could
// wait for ever on a thread that waits for the chunk lock this one holds).
void StackDepot::lock_all() {
    for (auto& shard_lock : g_fork_state.depot_shards) shard_lock.lock.lock();
    g_fork_state.depot_chunks.lock.lock();
}

void StackDepot::unlock_all() {
    g_fork_state.depot_chunks.lock.unlock();
    for (auto& shard_lock : g_fork_state.depot_shards) shard_lock.lock.unlock();
}

}  // namespace leakscope::tracker
