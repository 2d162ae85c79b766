/* The few C symbols the preloaded tracker exports for code inside the target process.
 * The public library (include/leakscope/) looks them up with dlsym(RTLD_DEFAULT, ...) so that a
 * program that is not running under `leakscope run` works unchanged (the look-up just fails).
 * Plain C, stable: a program built against one leakscope version may run under another. */
#ifndef LEAKSCOPE_TRACKER_ABI_H
#define LEAKSCOPE_TRACKER_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct leakscope_tracker_stats {
    uint32_t struct_size;       /* caller sets sizeof(struct leakscope_tracker_stats) */
    uint32_t sampling;          /* 1 when --sample-bytes is on (figures are estimates) */
    uint64_t live_heap_bytes;   /* malloc/new bytes live now, this process */
    uint64_t live_allocations;
    uint64_t mapped_bytes;      /* anonymous mmap bytes live now */
    uint64_t total_allocations; /* ever */
    uint64_t total_frees;
    uint64_t events;            /* work units counted through leakscope_tracker_add_events */
};

/* Fills *stats; returns 0 on success. Symbol name: "leakscope_tracker_query". */
typedef int (*leakscope_tracker_query_fn)(struct leakscope_tracker_stats* stats);

/* Adds n work units (cycles, requests) to the count the tracker reports to leakscope.
 * Symbol name: "leakscope_tracker_add_events". */
typedef void (*leakscope_tracker_add_events_fn)(uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
