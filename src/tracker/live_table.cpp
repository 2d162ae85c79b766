#include "live_table.hpp"

#include <cstring>
#include <new>

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
        const std::uint8_t* counts = &filter_counts_[w * 64];
        std::uint64_t word = 0;
        // Eight counts at a time: nearly all are 0 when tracking starts and in a forked child, where this
        // runs at every fork (a byte at a time it was 134 K instructions per process started).
        for (std::size_t b = 0; b < 64; b += 8) {
            std::uint64_t eight;
            std::memcpy(&eight, counts + b, sizeof eight);
            if (eight == 0) continue;
            for (std::size_t i = b; i < b + 8; ++i) word |= std::uint64_t{counts[i] != 0} << i;
        }
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

namespace {

/// `value` into `word` unless it holds it already: a page of the parent's never written stays shared.
template <typename T>
void store_if_different(T& word, T value) {
    if (word != value) word = value;
}

}  // namespace

void LiveTable::start_over_in_child() {
    // Replacing the whole object (placement new) wrote its 27 KiB, 7 pages copied at every fork.
    for (auto& shard : shards_) {
        if (shard.lock.held() || shard.packed.slots || shard.packed.capacity || shard.packed.used || shard.wide.slots ||
            shard.wide.capacity || shard.wide.used)
            new (&shard) Shard();
    }
    store_if_different(use_filter_, false);
    store_if_different(pinned_start_, std::uint64_t{0});
    store_if_different(pinned_bytes_, std::size_t{0});
    store_if_different(pinned_step_, std::size_t{16});
    for (std::size_t i = 0; i < kFilterSize; i += 8) {
        std::uint64_t eight;
        std::memcpy(&eight, &filter_counts_[i], sizeof eight);
        if (eight != 0) std::memset(&filter_counts_[i], 0, sizeof eight);
    }
    for (auto& word : fast_bits_.words) store_if_different(word, ~std::uint64_t{0});  // closed
    store_if_different(fast_open_, false);
    store_if_different(aligned_release_.mask, std::uint32_t{0});
    for (auto& filter_lock : filter_locks_)
        if (filter_lock.lock.held()) new (&filter_lock.lock) SpinLock();
}

bool LiveTable::forget_parent_entries_in_child(std::size_t max_stale_slots) {
    for (const auto& filter_lock : filter_locks_)
        if (filter_lock.lock.held()) return false;  // a count and its bit may be half changed
    std::size_t stale = 0;
    for (std::size_t i = 0; i < kFilterSize; i += 8) {
        std::uint64_t eight;
        std::memcpy(&eight, &filter_counts_[i], sizeof eight);
        if (eight == 0) continue;
        for (std::size_t b = i; b < i + 8; ++b) stale += filter_counts_[b] != 0 && filter_counts_[b] != 255;  // 255: pinned
    }
    if (stale > max_stale_slots) return false;
    // A shard with no entry left is as a new one's (no tombstones: removal shifts back); its arrays stay
    // the parent's copy until the child writes them.
    for (auto& shard : shards_)
        if (shard.lock.held() || shard.packed.used || shard.wide.used) new (&shard) Shard();
    return true;
}

}  // namespace leakscope::tracker
