// The C entry points of <leakscope/events.h>.
#include "leakscope/events.h"

#include <atomic>

#include "api/tracker_link.hpp"

namespace {
// Relaxed: the count is a statistic, nothing is ordered by it.
std::atomic<uint64_t> events_counted{0};
}  // namespace

extern "C" {

void leakscope_events(uint64_t n) {
    events_counted.fetch_add(n, std::memory_order_relaxed);
    if (const auto add = leakscope::detail::tracker_link().add_events) add(n);
}

void leakscope_event(void) { leakscope_events(1); }

uint64_t leakscope_event_count(void) { return events_counted.load(std::memory_order_relaxed); }

int leakscope_tracker_present(void) { return leakscope::detail::tracker_link().present() ? 1 : 0; }

}  // extern "C"
