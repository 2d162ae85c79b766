#include "live_table.hpp"

#include <type_traits>

#include "os.hpp"

namespace leakscope::tracker {
namespace {

constexpr std::uint64_t kEmpty = 0;

// One page each to start with (256 packed or 128 wide entries), never smaller.
template <typename Entry>
constexpr std::uint32_t kMinCapacity = 4096 / sizeof(Entry) >= 256 ? 256 : 128;

template <typename Entry>
std::uint32_t home_of(const ProbeArray<Entry>& table, std::uint64_t address) {
    return static_cast<std::uint32_t>(LiveTable::mix(address)) & (table.capacity - 1);
}

template <typename Entry>
bool rehash(ProbeArray<Entry>& table, std::uint32_t new_capacity) {
    auto* fresh = static_cast<Entry*>(os::map_pages(new_capacity * sizeof(Entry)));
    if (!fresh) return false;
    for (std::uint32_t i = 0; i < table.capacity; ++i) {
        const Entry& e = table.slots[i];
        if (e.address == kEmpty) continue;
        std::uint32_t j = static_cast<std::uint32_t>(LiveTable::mix(e.address)) & (new_capacity - 1);
        while (fresh[j].address != kEmpty) j = (j + 1) & (new_capacity - 1);
        fresh[j] = e;
    }
    if (table.slots) os::unmap_pages(table.slots, table.capacity * sizeof(Entry));
    table.slots = fresh;
    table.capacity = new_capacity;
    return true;
}

/// Room for one more entry: at most half full, so linear probes stay short (three quarters made the
/// churn benchmark's tracking 18% slower: longer probes, and longer runs to shift back on removal).
template <typename Entry>
bool make_room(ProbeArray<Entry>& table) {
    if ((table.used + 1) * 2 <= table.capacity) return true;
    return rehash(table, table.capacity < kMinCapacity<Entry> ? kMinCapacity<Entry> : table.capacity * 2);
}

/// The slot holding `address`, or null.
template <typename Entry>
__attribute__((always_inline)) inline Entry* find(ProbeArray<Entry>& table, std::uint64_t address, std::uint64_t h) {
    if (table.used == 0) return nullptr;
    const std::uint32_t mask = table.capacity - 1;
    std::uint32_t i = static_cast<std::uint32_t>(h) & mask;
    for (std::uint32_t probes = 0; probes <= mask; ++probes, i = (i + 1) & mask) {
        const std::uint64_t a = table.slots[i].address;
        if (a == address) return &table.slots[i];
        if (a == kEmpty) return nullptr;
    }
    return nullptr;
}

/// Empties `slot` without a tombstone. Backward-shift deletion: entries after the hole that would be
/// found by a probe starting at or before it move into it, so chains stay as short as the load allows
/// (tombstones made every free of a churning program probe longer, and swept the table often).
/// Shrinks the table when it is mostly empty, so the footprint follows the live set down again.
template <typename Entry>
__attribute__((always_inline)) inline void erase(ProbeArray<Entry>& table, Entry* slot) {
    const std::uint32_t mask = table.capacity - 1;
    auto hole = static_cast<std::uint32_t>(slot - table.slots);
    for (std::uint32_t j = (hole + 1) & mask; table.slots[j].address != kEmpty; j = (j + 1) & mask) {
        const std::uint32_t home = home_of(table, table.slots[j].address);
        // The entry stays when its home lies cyclically in (hole, j].
        const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays) continue;
        table.slots[hole] = table.slots[j];
        hole = j;
    }
    table.slots[hole].address = kEmpty;
    --table.used;
    if (table.capacity > kMinCapacity<Entry> && table.used * 8 < table.capacity) rehash(table, table.capacity / 2);
}

/// Puts `entry` at `address` (room was made): into the slot the address already holds (true: it held
/// an entry whose free was missed, copied to `replaced` first) or into the first empty one.
template <typename Entry>
__attribute__((always_inline)) inline bool put(ProbeArray<Entry>& table, std::uint64_t address, std::uint64_t h, const Entry& entry, Entry& replaced) {
    const std::uint32_t mask = table.capacity - 1;
    std::uint32_t i = static_cast<std::uint32_t>(h) & mask;
    for (; table.slots[i].address != kEmpty; i = (i + 1) & mask) {
        if (table.slots[i].address == address) {
            replaced = table.slots[i];
            table.slots[i] = entry;
            return true;
        }
    }
    table.slots[i] = entry;
    ++table.used;
    return false;
}

PackedEntry pack(std::uint64_t address, const LiveEntry& entry) {
    return PackedEntry{address, entry.stack, static_cast<std::uint32_t>(entry.bytes)};
}

LiveEntry unpack(const PackedEntry& packed) { return LiveEntry{packed.address, packed.bytes, packed.stack, 1}; }

/// Takes `address` out of `table` into `out`; false when it is not there.
template <typename Entry>
__attribute__((always_inline)) inline bool take(ProbeArray<Entry>& table, std::uint64_t address, std::uint64_t h, LiveEntry& out) {
    Entry* slot = find(table, address, h);
    if (!slot) return false;
    if constexpr (std::is_same_v<Entry, PackedEntry>) {
        out = unpack(*slot);
    } else {
        out = *slot;
    }
    erase(table, slot);
    return true;
}

}  // namespace

void LiveTable::set_fast_bit(std::size_t slot, bool maybe) {
    const std::uint64_t bit = std::uint64_t{1} << (slot & 63);
    if (maybe) {
        __atomic_fetch_or(&fast_bits_.words[slot >> 6], bit, __ATOMIC_RELEASE);
    } else {
        __atomic_fetch_and(&fast_bits_.words[slot >> 6], ~bit, __ATOMIC_RELEASE);
    }
}

void LiveTable::pin_slot(std::uint64_t address) {
    const std::size_t slot = filter_slot(address);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks].lock);
    __atomic_store_n(&filter_counts_[slot], std::uint8_t{255}, __ATOMIC_RELAXED);  // sticks (see filter_add)
    if (__atomic_load_n(&fast_open_, __ATOMIC_RELAXED)) set_fast_bit(slot, true);  // closed: set already
}

void LiveTable::pin_in_filter() {
    pin_slot(0);
    for (std::uint64_t offset = 0; offset < pinned_bytes_; offset += 16) pin_slot(pinned_start_ + offset);
}

void LiveTable::filter_add(std::uint64_t address) {
    const std::size_t slot = filter_slot(address);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks].lock);
    const std::uint8_t count = filter_counts_[slot];
    if (count == 255) return;
    __atomic_store_n(&filter_counts_[slot], static_cast<std::uint8_t>(count + 1), __ATOMIC_RELAXED);
    if (count == 0 && __atomic_load_n(&fast_open_, __ATOMIC_RELAXED)) set_fast_bit(slot, true);
}

void LiveTable::filter_remove(std::uint64_t address) {
    const std::size_t slot = filter_slot(address);
    SpinLockHolder holder(filter_locks_[slot % kFilterLocks].lock);
    const std::uint8_t count = filter_counts_[slot];
    if (count == 255 || count == 0) return;
    __atomic_store_n(&filter_counts_[slot], static_cast<std::uint8_t>(count - 1), __ATOMIC_RELAXED);
    if (count == 1 && __atomic_load_n(&fast_open_, __ATOMIC_RELAXED)) set_fast_bit(slot, false);
}

void LiveTable::lock_filter() {
    for (auto& padded : filter_locks_) padded.lock.lock();
}

void LiveTable::unlock_filter() {
    for (auto& padded : filter_locks_) padded.lock.unlock();
}

void LiveTable::open_fast_release() {
    lock_filter();
    __atomic_store_n(&fast_open_, true, __ATOMIC_RELAXED);
    for (std::size_t w = 0; w < kFilterWords; ++w) {
        std::uint64_t word = 0;
        for (std::size_t b = 0; b < 64; ++b) word |= std::uint64_t{filter_counts_[w * 64 + b] != 0} << b;
        __atomic_store_n(&fast_bits_.words[w], word, __ATOMIC_RELEASE);
    }
    unlock_filter();
}

void LiveTable::close_fast_release() {
    __atomic_store_n(&fast_open_, false, __ATOMIC_RELAXED);
    for (auto& word : fast_bits_.words) __atomic_store_n(&word, ~std::uint64_t{0}, __ATOMIC_RELEASE);
}

bool LiveTable::insert(std::uint64_t address, const LiveEntry& entry, LiveEntry* replaced) {
    const std::uint64_t h = mix(address);
    Shard& shard = shards_[shard_of(address, h)];
    LiveEntry old{};  // stays empty unless the address was still in the table (its free went past us)
    {
        SpinLockHolder hold(shard.lock);
        if (PackedEntry::fits(entry)) {
            if (!make_room(shard.packed)) return false;
            PackedEntry previous{};
            if (put(shard.packed, address, h, pack(address, entry), previous)) {
                old = unpack(previous);
            } else if (shard.wide.used) {
                take(shard.wide, address, h, old);
            }
        } else {
            if (!make_room(shard.wide)) return false;
            LiveEntry stored = entry;
            stored.address = address;
            if (!put(shard.wide, address, h, stored, old)) take(shard.packed, address, h, old);
        }
    }
    if (old.address == kEmpty) {
        if (use_filter_) filter_add(address);
    } else if (replaced) {
        *replaced = old;
    }
    return true;
}

bool LiveTable::remove(std::uint64_t address, LiveEntry& out) {
    out.address = kEmpty;
    const std::uint64_t h = mix(address);
    Shard& shard = shards_[shard_of(address, h)];
    {
        SpinLockHolder hold(shard.lock);
        if (!take(shard.packed, address, h, out) && !(shard.wide.used && take(shard.wide, address, h, out))) return false;
    }
    if (use_filter_) filter_remove(address);
    return true;
}

std::size_t LiveTable::size() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) total += shard.packed.used + shard.wide.used;
    return total;
}

std::size_t LiveTable::footprint_bytes() const {
    std::size_t total = 0;
    for (const auto& shard : shards_)
        total += os::round_up_to_pages(shard.packed.capacity * sizeof(PackedEntry)) +
                 os::round_up_to_pages(shard.wide.capacity * sizeof(LiveEntry));
    return total;
}

namespace {

template <typename Entry>
void empty(ProbeArray<Entry>& table) {
    for (std::uint32_t i = 0; i < table.capacity; ++i) table.slots[i].address = kEmpty;
    table.used = 0;
}

}  // namespace

void LiveTable::clear() {
    for (auto& shard : shards_) {
        SpinLockHolder hold(shard.lock);
        empty(shard.packed);
        empty(shard.wide);
    }
    // Pinned slots (count 255: null, the bootstrap pool, and counts that stuck) keep their bits all along:
    // cleared and set again, a free(nullptr) in between would take the fast path and read below null.
    lock_filter();
    const bool open = __atomic_load_n(&fast_open_, __ATOMIC_RELAXED);
    for (std::size_t slot = 0; slot < kFilterSize; ++slot) {
        if (filter_counts_[slot] == 255) continue;
        __atomic_store_n(&filter_counts_[slot], std::uint8_t{0}, __ATOMIC_RELAXED);
        set_fast_bit(slot, !open);  // closed: set again, whatever close_fast_release raced with
    }
    unlock_filter();
    if (use_filter_) pin_in_filter();
}

void LiveTable::lock_all() {
    for (auto& shard : shards_) shard.lock.lock();
}

void LiveTable::unlock_all() {
    for (auto& shard : shards_) shard.lock.unlock();
}

}  // namespace leakscope::tracker
