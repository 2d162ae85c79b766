// The bounds that keep a recording's memory and file size independent of how long the run lasts.
// The writer stores them in the file (a `limits` chunk) so a reader rebuilds exactly the same bounded
// model. Defaults: a week at 10 Hz stays under ~64 MiB on disk and ~45 MiB of series in memory
// (docs/recording-format.md, "Bounds").
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::recording {

struct RecordingLimits {
    /// Newest samples kept at full resolution: one hour at 10 Hz.
    std::uint32_t recent_samples = 36000;
    /// Merged buckets before them; when full, neighbours merge pairwise (resolution halves). Even.
    std::uint32_t older_buckets = 16384;
    /// sites x columns of the site grid; the column budget shrinks as sites appear.
    std::uint32_t site_grid_cells = 1u << 21;
    std::uint32_t site_max_columns = 4096;
    /// Columns kept however many sites there are (so memory grows ~1 KiB per site beyond
    /// site_grid_cells / site_min_columns sites).
    std::uint32_t site_min_columns = 64;
    /// When the append-only file grows past this, it is rewritten from the bounded model.
    std::uint64_t max_file_bytes = 64ull << 20;
};

/// Why a limits value is unusable, or nullptr when all are sane. Readers also cap them, so a forged
/// limits chunk cannot make the reader keep gigabytes.
const char* check_limits(const RecordingLimits& limits);

}  // namespace leakscope::recording
