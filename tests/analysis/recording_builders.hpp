// Hand-built recordings for the analysis tests: the run's frame, the samples left to each test.
#pragma once

#include <cstdint>
#include <string>

#include "model/recording.hpp"

namespace leakscope::analysis::testing {

/// A run of one tracked process ("PID:name") sampled every `interval_s`, with no samples yet.
inline Recording tracked_recording(std::string process, std::string tracker_mode = "full", double interval_s = 0.1) {
    Recording r;
    r.info.tracker_mode = std::move(tracker_mode);
    r.info.interval_s = interval_s;
    r.processes = {std::move(process)};
    return r;
}

/// Ends the run as leakscope records it: `reason` ("exited", "duration"...) after `duration_s`.
inline void end_run(Recording& r, std::string reason, double duration_s) {
    RunEnd end;
    end.reason = std::move(reason);
    end.duration_s = duration_s;
    r.end = end;
}

/// The i-th sample of a run sampled every 0.1 s from t = 0.1 s, with its live heap (min and max alike),
/// no mappings, and the given process and thread counts; the test fills the rest.
inline SamplePoint heap_sample(int i, double live_heap, std::uint32_t threads = 1) {
    SamplePoint s;
    s.t_s = 0.1 * i + 0.1;
    s.processes = 1;
    s.threads = threads;
    s.live_heap = s.live_heap_min = s.live_heap_max = static_cast<std::uint64_t>(live_heap);
    s.mapped = 0;
    return s;
}

}  // namespace leakscope::analysis::testing
