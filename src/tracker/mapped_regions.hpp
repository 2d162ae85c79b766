// Anonymous memory mappings made by the program (mmap/munmap/mremap), attributed to the stack that
// mapped them. Mappings are far rarer than mallocs, so one lock and a sorted array are enough; a
// partial munmap trims or splits a region like the kernel does.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fork_state.hpp"
#include "spin_lock.hpp"
#include "stack_depot.hpp"

namespace leakscope::tracker {

struct MappedRegion {
    std::uint64_t start;
    std::uint64_t end;
    LocalStackId stack;
    std::uint32_t counted;  ///< 1 for the piece that carries the mapping's live count after a split
};

class MappedRegions {
public:
    /// `lock`: this set's lock in g_fork_state (fork_state.hpp), named by member so that the tracker's
    /// constant initialization needs no relocation.
    constexpr explicit MappedRegions(PaddedSpinLock ForkState::*lock) : lock_(lock) {}

    /// Callback for every byte range that stops being mapped: (stack, bytes, count_delta).
    using Release = void (*)(LocalStackId stack, std::int64_t bytes, std::int64_t count);

    bool add(std::uint64_t start, std::uint64_t length, LocalStackId stack);
    /// Removes [start, start+length) from every tracked region.
    void remove(std::uint64_t start, std::uint64_t length, Release release);
    /// The stack that mapped the region containing address (for mremap); false when untracked.
    bool find(std::uint64_t address, MappedRegion& out);
    std::int64_t mapped_bytes() const { return mapped_bytes_; }
    std::size_t footprint_bytes() const { return capacity_ * sizeof(MappedRegion); }

    void lock() { held().lock(); }
    void unlock() { held().unlock(); }
    /// Forgets every region (attach --track again: what was mapped before is the new baseline; a forked
    /// child). Writes nothing when there is nothing to forget: a child's page stays shared with its parent.
    void clear() {
        SpinLockHolder hold(held());
        if (count_ != 0) count_ = 0;
        if (mapped_bytes_ != 0) mapped_bytes_ = 0;
    }

private:
    bool reserve(std::size_t needed);
    std::size_t lower_bound(std::uint64_t address) const;
    void insert_at(std::size_t index, const MappedRegion& region);
    void erase_at(std::size_t index);

    SpinLock& held() const { return (g_fork_state.*lock_).lock; }

    PaddedSpinLock ForkState::*lock_;
    MappedRegion* regions_ = nullptr;
    std::size_t count_ = 0;
    std::size_t capacity_ = 0;
    std::int64_t mapped_bytes_ = 0;
};

}  // namespace leakscope::tracker
