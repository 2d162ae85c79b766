#include "mapped_regions.hpp"

#include <cstring>

#include "os.hpp"

namespace leakscope::tracker {

bool MappedRegions::reserve(std::size_t needed) {
    if (needed <= capacity_) return true;
    std::size_t new_capacity = capacity_ ? capacity_ * 2 : os::kPageSize / sizeof(MappedRegion);
    while (new_capacity < needed) new_capacity *= 2;
    auto* fresh = static_cast<MappedRegion*>(os::map_pages(new_capacity * sizeof(MappedRegion)));
    if (!fresh) return false;
    if (count_) std::memcpy(fresh, regions_, count_ * sizeof(MappedRegion));
    os::unmap_pages(regions_, capacity_ * sizeof(MappedRegion));
    regions_ = fresh;
    capacity_ = new_capacity;
    return true;
}

std::size_t MappedRegions::lower_bound(std::uint64_t address) const {
    // First region whose end is above address.
    std::size_t lo = 0, hi = count_;
    while (lo < hi) {
        std::size_t mid = (lo + hi) / 2;
        if (regions_[mid].end <= address) lo = mid + 1; else hi = mid;
    }
    return lo;
}

void MappedRegions::insert_at(std::size_t index, const MappedRegion& region) {
    std::memmove(&regions_[index + 1], &regions_[index], (count_ - index) * sizeof(MappedRegion));
    regions_[index] = region;
    ++count_;
}

void MappedRegions::erase_at(std::size_t index) {
    std::memmove(&regions_[index], &regions_[index + 1], (count_ - index - 1) * sizeof(MappedRegion));
    --count_;
}

bool MappedRegions::add(std::uint64_t start, std::uint64_t length, LocalStackId stack) {
    SpinLockHolder hold(held());
    if (!reserve(count_ + 1)) return false;
    insert_at(lower_bound(start), MappedRegion{start, start + length, stack, 1});
    mapped_bytes_ += static_cast<std::int64_t>(length);
    return true;
}

void MappedRegions::remove(std::uint64_t start, std::uint64_t length, Release release) {
    std::uint64_t end = start + length;
    SpinLockHolder hold(held());
    std::size_t i = lower_bound(start);
    while (i < count_ && regions_[i].start < end) {
        MappedRegion& r = regions_[i];
        std::uint64_t cut_start = r.start > start ? r.start : start;
        std::uint64_t cut_end = r.end < end ? r.end : end;
        auto bytes = static_cast<std::int64_t>(cut_end - cut_start);
        mapped_bytes_ -= bytes;
        if (cut_start == r.start && cut_end == r.end) {  // whole region gone
            release(r.stack, bytes, r.counted);
            erase_at(i);
            continue;
        }
        release(r.stack, bytes, 0);
        if (cut_start == r.start) {
            r.start = cut_end;
        } else if (cut_end == r.end) {
            r.end = cut_start;
        } else {  // a hole in the middle: the upper part becomes a region of its own, without a count
            if (!reserve(count_ + 1)) {  // cannot split: forget the upper part rather than corrupt
                mapped_bytes_ -= static_cast<std::int64_t>(r.end - cut_end);
                release(r.stack, static_cast<std::int64_t>(r.end - cut_end), 0);
                regions_[i].end = cut_start;
            } else {
                MappedRegion upper{cut_end, regions_[i].end, regions_[i].stack, 0};
                regions_[i].end = cut_start;
                insert_at(i + 1, upper);
            }
        }
        ++i;
    }
}

bool MappedRegions::find(std::uint64_t address, MappedRegion& out) {
    SpinLockHolder hold(held());
    std::size_t i = lower_bound(address);
    if (i == count_ || regions_[i].start > address) return false;
    out = regions_[i];
    return true;
}

}  // namespace leakscope::tracker
