#include "live_table.hpp"

#include "os.hpp"

namespace leakscope::tracker {
namespace {

constexpr std::uint64_t kEmpty = 0;
constexpr std::uint32_t kMinCapacity = 256;

}  // namespace

void LiveTable::pin_null_in_filter() {
    const std::size_t slot = filter_slot(0);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks]);
    filter_counts_[slot] = 255;  // sticks (see filter_add)
    filter_bits_[slot >> 6].fetch_or(std::uint64_t{1} << (slot & 63), std::memory_order_release);
}

void LiveTable::filter_add(std::uint64_t address) {
    const std::size_t slot = filter_slot(address);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks]);
    std::uint8_t& count = filter_counts_[slot];
    if (count == 255) return;
    if (count++ == 0) filter_bits_[slot >> 6].fetch_or(std::uint64_t{1} << (slot & 63), std::memory_order_release);
}

void LiveTable::filter_remove(std::uint64_t address) {
    const std::size_t slot = filter_slot(address);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks]);
    std::uint8_t& count = filter_counts_[slot];
    if (count == 255 || count == 0) return;
    if (--count == 0) filter_bits_[slot >> 6].fetch_and(~(std::uint64_t{1} << (slot & 63)), std::memory_order_release);
}

bool LiveTable::rehash(Shard& shard, std::uint32_t new_capacity) {
    auto* fresh = static_cast<LiveEntry*>(os::map_pages(new_capacity * sizeof(LiveEntry)));
    if (!fresh) return false;
    for (std::uint32_t i = 0; i < shard.capacity; ++i) {
        const LiveEntry& e = shard.slots[i];
        if (e.address == kEmpty) continue;
        std::uint32_t j = static_cast<std::uint32_t>(mix(e.address)) & (new_capacity - 1);
        while (fresh[j].address != kEmpty) j = (j + 1) & (new_capacity - 1);
        fresh[j] = e;
    }
    os::unmap_pages(shard.slots, shard.capacity * sizeof(LiveEntry));
    shard.slots = fresh;
    shard.capacity = new_capacity;
    return true;
}

void LiveTable::close_gap(Shard& shard, std::uint32_t hole) {
    // Backward-shift deletion: entries after the hole that would be found by a probe starting at or
    // before it move into it, so no tombstone is left and chains stay as short as the load allows
    // (tombstones made every free of a churning program probe longer, and swept the table often).
    const std::uint32_t mask = shard.capacity - 1;
    for (std::uint32_t j = (hole + 1) & mask; shard.slots[j].address != kEmpty; j = (j + 1) & mask) {
        const std::uint32_t home = static_cast<std::uint32_t>(mix(shard.slots[j].address)) & mask;
        // The entry stays when its home lies cyclically in (hole, j].
        const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        shard.slots[hole] = shard.slots[j];
        hole = j;
    }
    shard.slots[hole].address = kEmpty;
}

bool LiveTable::insert(std::uint64_t address, const LiveEntry& entry, LiveEntry* replaced) {
    std::uint64_t h = mix(address);
    Shard& shard = shards_[shard_of(address, h)];
    {
        SpinLockHolder hold(shard.lock);
        if ((shard.used + 1) * 2 > shard.capacity) {  // at most half full: linear probes stay short
            std::uint32_t target = shard.capacity < kMinCapacity ? kMinCapacity : shard.capacity * 2;
            if (!rehash(shard, target)) return false;
        }
        std::uint32_t mask = shard.capacity - 1;
        std::uint32_t i = static_cast<std::uint32_t>(h) & mask;
        while (shard.slots[i].address != kEmpty) {
            if (shard.slots[i].address == address) {  // a pointer we missed the free of: replace it
                if (replaced) *replaced = shard.slots[i];
                shard.slots[i] = entry;
                shard.slots[i].address = address;
                return true;
            }
            i = (i + 1) & mask;
        }
        shard.slots[i] = entry;
        shard.slots[i].address = address;
        ++shard.used;
    }
    if (use_filter_) filter_add(address);
    return true;
}

bool LiveTable::remove(std::uint64_t address, LiveEntry& out) {
    out.address = kEmpty;
    std::uint64_t h = mix(address);
    Shard& shard = shards_[shard_of(address, h)];
    {
        SpinLockHolder hold(shard.lock);
        if (shard.used == 0) return false;
        std::uint32_t mask = shard.capacity - 1;
        std::uint32_t i = static_cast<std::uint32_t>(h) & mask;
        for (std::uint32_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
            std::uint64_t a = shard.slots[i].address;
            if (a == kEmpty) return false;
            if (a != address) continue;
            out = shard.slots[i];
            close_gap(shard, i);
            --shard.used;
            // Shrink when mostly empty so the footprint follows the live set down again.
            if (shard.capacity > kMinCapacity && shard.used * 8 < shard.capacity) rehash(shard, shard.capacity / 2);
            break;
        }
        if (out.address != address) return false;
    }
    if (use_filter_) filter_remove(address);
    return true;
}

std::size_t LiveTable::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) total += shard.used;
    return total;
}

std::size_t LiveTable::footprint_bytes() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) total += os::round_up_to_pages(shard.capacity * sizeof(LiveEntry));
    return total;
}

void LiveTable::clear() {
    for (auto& shard : shards_) {
        SpinLockHolder hold(shard.lock);
        for (std::uint32_t i = 0; i < shard.capacity; ++i) shard.slots[i].address = kEmpty;
        shard.used = 0;
    }
    for (std::size_t slot = 0; slot < kFilterSize; ++slot) {
        SpinLockHolder hold(filter_locks_[slot % kFilterLocks]);
        filter_counts_[slot] = 0;
    }
    for (auto& bits : filter_bits_) bits.store(0, std::memory_order_release);
    if (use_filter_) pin_null_in_filter();
}

void LiveTable::lock_all() {
    for (auto& shard : shards_) shard.lock.lock();
}

void LiveTable::unlock_all() {
    for (auto& shard : shards_) shard.lock.unlock();
}

}  // namespace leakscope::tracker
