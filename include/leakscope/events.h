/* Counting work units (requests, cycles, steps) from C or C++.
 *
 * Under `leakscope run`, each call adds to the count the preloaded tracker reports, so the report gives
 * memory growth per event (bytes per request) without the program printing anything. Without the
 * tracker the calls only bump an in-process counter: cheap (one atomic add and one indirect call),
 * thread-safe, never allocating after the first call. */
#ifndef LEAKSCOPE_EVENTS_H
#define LEAKSCOPE_EVENTS_H

#include <stdint.h>

#include "leakscope/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One work unit done. */
LEAKSCOPE_API void leakscope_event(void);

/* n work units done. */
LEAKSCOPE_API void leakscope_events(uint64_t n);

/* Work units counted in this process through the two calls above, since it started. */
LEAKSCOPE_API uint64_t leakscope_event_count(void);

/* 1 when the program runs under `leakscope run` (the tracker is loaded), else 0. */
LEAKSCOPE_API int leakscope_tracker_present(void);

#ifdef __cplusplus
}
#endif

#endif
