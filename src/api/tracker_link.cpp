#include "api/tracker_link.hpp"

#include <dlfcn.h>

namespace leakscope::detail {

namespace {

template <typename Fn>
Fn lookup(const char* symbol) {
    // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
    return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, symbol));
}

TrackerLink resolve() {
    TrackerLink link;
    link.query = lookup<leakscope_tracker_query_fn>("leakscope_tracker_query");
    link.add_events = lookup<leakscope_tracker_add_events_fn>("leakscope_tracker_add_events");
    link.sites = lookup<leakscope_tracker_sites_fn>("leakscope_tracker_sites");
    link.python_frame = lookup<leakscope_tracker_python_frame_fn>("leakscope_tracker_python_frame");
    return link;
}

}  // namespace

const TrackerLink& tracker_link() {
    // The tracker is preloaded before main() or not at all, so resolving once is exact.
    static const TrackerLink link = resolve();
    return link;
}

}  // namespace leakscope::detail
