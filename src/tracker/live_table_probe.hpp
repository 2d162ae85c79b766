// The live table's probe arrays (linear probing, backward-shift deletion) and its insert and remove,
// inline: full tracking calls them on every allocation and free, and out of line each call saved six
// registers and passed the entry through memory. Growing and shrinking (rehash) stay out of line.
// Included at the end of live_table.hpp.
#pragma once

#include <type_traits>

namespace leakscope::tracker {
namespace live_probe {

/// Rebuilds `table` with `new_capacity` slots (live_table.cpp); false when out of memory.
template <typename Entry>
bool rehash(ProbeArray<Entry>& table, std::uint32_t new_capacity);

constexpr std::uint64_t kEmpty = 0;

// One page each to start with (256 packed or 128 wide entries), never smaller.
template <typename Entry>
constexpr std::uint32_t kMinCapacity = 4096 / sizeof(Entry) >= 256 ? 256 : 128;

template <typename Entry>
inline std::uint32_t home_of(const ProbeArray<Entry>& table, std::uint64_t address) {
    return static_cast<std::uint32_t>(LiveTable::mix(address)) & (table.capacity - 1);
}

/// Room for one more entry: at most half full, so linear probes stay short (three quarters made the
/// churn benchmark's tracking 18% slower: longer probes, and longer runs to shift back on removal).
template <typename Entry>
inline bool make_room(ProbeArray<Entry>& table) {
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

inline PackedEntry pack(std::uint64_t address, const LiveEntry& entry) {
    return PackedEntry{address, entry.stack, static_cast<std::uint32_t>(entry.bytes)};
}

inline LiveEntry unpack(const PackedEntry& packed) { return LiveEntry{packed.address, packed.bytes, packed.stack, 1}; }

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

}  // namespace live_probe

__attribute__((always_inline)) inline bool LiveTable::insert(std::uint64_t address, const LiveEntry& entry, LiveEntry* replaced) {
    using namespace live_probe;
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

template <typename Release>
__attribute__((always_inline)) inline bool LiveTable::remove_around(std::uint64_t address, LiveEntry& out, Release release) {
    using namespace live_probe;
    out.address = kEmpty;
    const std::uint64_t h = mix(address);
    Shard& shard = shards_[shard_of(address, h)];
    {
        SpinLockHolder hold(shard.lock);
        release();
        if (!take(shard.packed, address, h, out) && !(shard.wide.used && take(shard.wide, address, h, out))) return false;
    }
    if (use_filter_) filter_remove(address);
    return true;
}

__attribute__((always_inline)) inline bool LiveTable::remove(std::uint64_t address, LiveEntry& out) {
    return remove_around(address, out, [] {});
}

}  // namespace leakscope::tracker
