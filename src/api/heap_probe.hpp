// Live heap bytes of this process, read between measured cycles: the tracker's exact counter under
// `leakscope run`, else glibc's mallinfo2(). Reading allocates nothing, so it does not disturb what
// it measures.
#pragma once

#include <optional>

#include "leakscope/cycles.hpp"

namespace leakscope::detail {

class HeapProbe {
public:
    /// Empty when the requested source is unavailable (tracker asked for but not loaded or not active,
    /// or mallinfo2 asked for on a C library without it). Automatic takes the tracker only when it
    /// counts every allocation (not --sample-bytes), else mallinfo2.
    static std::optional<HeapProbe> open(HeapSource source);

    /// Empty when the tracker's query fails (the point is then skipped).
    std::optional<double> live_bytes() const;
    bool uses_tracker() const { return uses_tracker_; }
    const char* name() const { return uses_tracker_ ? "tracker" : "mallinfo2"; }

private:
    explicit HeapProbe(bool uses_tracker) : uses_tracker_(uses_tracker) {}
    bool uses_tracker_ = false;
};

/// True when this C library has mallinfo2 (glibc 2.33 and later).
bool mallinfo_available();

}  // namespace leakscope::detail
