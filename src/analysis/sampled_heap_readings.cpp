#include "analysis/sampled_heap_readings.hpp"

#include <algorithm>

namespace leakscope::analysis {
namespace {

/// Reads this many sampling intervals apart, or more, are sparse (and half a second at least).
constexpr double kSparseReadIntervals = 5;

}  // namespace

std::vector<std::size_t> sampled_heap_readings(const Recording& recording, std::span<const SamplePoint> samples,
                                               std::vector<std::size_t> at) {
    if (recording.info.tracker_mode != "sampled" || at.empty()) return at;
    std::vector<std::size_t> fresh;
    std::uint64_t last_reads = kUnknownBytes;
    for (const std::size_t i : at) {
        const std::uint64_t reads = samples[i].allocator_reads;
        if (!known(reads) || reads != last_reads) fresh.push_back(i);
        last_reads = reads;
    }
    const double unwatched_s = samples.back().t_s - samples[fresh.back()].t_s;
    if (unwatched_s > std::max(2.0, 0.33 * (samples.back().t_s - samples.front().t_s))) return {};
    // A held sample stays when the reads around it are close together (the next one comes less than
    // the sparse spacing after the one it repeats); where they are far apart, only the readings do.
    const double sparse_s = std::max(0.5, kSparseReadIntervals * recording.info.interval_s);
    std::vector<std::size_t> kept;
    std::size_t next_fresh = 0;  // into fresh: the first reading after the sample
    double reading_t_s = samples[at.front()].t_s;
    for (const std::size_t i : at) {
        const bool is_fresh = next_fresh < fresh.size() && fresh[next_fresh] == i;
        if (is_fresh) {
            reading_t_s = samples[i].t_s;
            ++next_fresh;
            kept.push_back(i);
            continue;
        }
        const double next_reading_t_s = next_fresh < fresh.size() ? samples[fresh[next_fresh]].t_s : samples.back().t_s;
        if (next_reading_t_s - reading_t_s < sparse_s) kept.push_back(i);
    }
    return kept;
}

}  // namespace leakscope::analysis
