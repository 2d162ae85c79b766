// The preloaded tracker's functions, when the program runs under `leakscope run`. Looked up once with
// dlsym(RTLD_DEFAULT, ...): a program that is not under leakscope finds none of them and works unchanged.
#pragma once

#include "tracker/tracker_abi.h"

namespace leakscope::detail {

struct TrackerLink {
    leakscope_tracker_query_fn query = nullptr;
    leakscope_tracker_add_events_fn add_events = nullptr;
    leakscope_tracker_sites_fn sites = nullptr;  ///< see tracker/tracker_abi.h
    leakscope_tracker_python_frame_fn python_frame = nullptr;  ///< names of a Python frame's pseudo address

    bool present() const { return query != nullptr; }
};

/// Resolved on the first call (thread-safe), then a plain read.
const TrackerLink& tracker_link();

}  // namespace leakscope::detail
