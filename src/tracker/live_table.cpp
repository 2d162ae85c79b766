#include "live_table.hpp"

#include "os.hpp"

namespace leakscope::tracker {

using live_probe::kEmpty;
namespace live_probe {

template <typename Entry>
__attribute__((noinline)) bool rehash(ProbeArray<Entry>& table, std::uint32_t new_capacity) {
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

template bool rehash(ProbeArray<PackedEntry>&, std::uint32_t);
template bool rehash(ProbeArray<LiveEntry>&, std::uint32_t);

}  // namespace live_probe

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
    for (std::uint64_t offset = 0; offset < pinned_bytes_; offset += pinned_step_) pin_slot(pinned_start_ + offset);
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

void LiveTable::open_fast_release(bool sampled_blocks_aligned) {
    if (sampled_blocks_aligned)
        __atomic_store_n(&aligned_release_.mask, static_cast<std::uint32_t>(kSampledBlockAlignment - 1), __ATOMIC_RELEASE);
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
    __atomic_store_n(&aligned_release_.mask, std::uint32_t{0}, __ATOMIC_RELEASE);
    __atomic_store_n(&fast_open_, false, __ATOMIC_RELAXED);
    for (auto& word : fast_bits_.words) __atomic_store_n(&word, ~std::uint64_t{0}, __ATOMIC_RELEASE);
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
