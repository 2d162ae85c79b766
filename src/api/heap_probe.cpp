#include "api/heap_probe.hpp"

#include <malloc.h>

#include "api/tracker_link.hpp"

namespace leakscope::detail {

bool mallinfo_available() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return true;
#else
    return false;
#endif
}

namespace {

/// The tracker answers (it is loaded and active) and counts every allocation, not a sample.
bool tracker_counts_exactly(bool& answers) {
    answers = false;
    if (!tracker_link().present()) return false;
    leakscope_tracker_stats stats{};
    stats.struct_size = sizeof stats;
    if (tracker_link().query(&stats) != 0) return false;
    answers = true;
    return stats.sampling == 0;
}

}  // namespace

std::optional<HeapProbe> HeapProbe::open(HeapSource source) {
    bool answers = false;
    // In sampling mode the tracker's figures are estimates; mallinfo2 is exact, so automatic prefers it.
    const bool tracker = tracker_counts_exactly(answers);
    switch (source) {
        case HeapSource::tracker:
            if (!answers) return std::nullopt;
            return HeapProbe(true);
        case HeapSource::mallinfo:
            if (!mallinfo_available()) return std::nullopt;
            return HeapProbe(false);
        case HeapSource::automatic:
            if (tracker) return HeapProbe(true);
            if (!mallinfo_available()) return std::nullopt;
            return HeapProbe(false);
    }
    return std::nullopt;
}

std::optional<double> HeapProbe::live_bytes() const {
    if (uses_tracker_) {
        leakscope_tracker_stats stats{};
        stats.struct_size = sizeof stats;
        if (tracker_link().query(&stats) == 0) return static_cast<double>(stats.live_heap_bytes);
        return std::nullopt;
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    // uordblks: bytes in in-use chunks of every arena; hblkhd: chunks malloc served with mmap.
    const struct mallinfo2 info = mallinfo2();
    return static_cast<double>(info.uordblks) + static_cast<double>(info.hblkhd);
#else
    return std::nullopt;
#endif
}

}  // namespace leakscope::detail
