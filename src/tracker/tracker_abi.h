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
    /* 1: live_heap_bytes is the allocator's own in-use figure, read at the call (sampling mode with
     * glibc's or jemalloc's allocator; it includes the freed blocks the allocator's per-thread caches
     * hold and the tracker's own few buffers), and the allocation counts are estimates from the
     * samples. 0: counted on every call. */
    uint32_t heap_from_allocator;
    uint32_t reserved;
};

/* Fills *stats; returns 0 on success. Symbol name: "leakscope_tracker_query". */
typedef int (*leakscope_tracker_query_fn)(struct leakscope_tracker_stats* stats);

/* Adds n work units (cycles, requests) to the count the tracker reports to leakscope.
 * Symbol name: "leakscope_tracker_add_events". */
typedef void (*leakscope_tracker_add_events_fn)(uint64_t n);

/* The live sites of this process, for in-process leak tests (measure_cycles) to name what grows. */
#define LEAKSCOPE_TRACKER_SITE_FRAMES 8

struct leakscope_tracker_site {
    uint64_t stack_id;          /* the tracker's deduplicated stack id */
    int64_t live_bytes;         /* bytes allocated from this stack and not yet freed */
    int64_t live_allocations;
    uint32_t frame_count;       /* valid entries in frames */
    uint32_t reserved;
    uint64_t frames[LEAKSCOPE_TRACKER_SITE_FRAMES]; /* return addresses, innermost first, tracker frames skipped */
};

/* Copies up to `capacity` sites into `out` (the ones with the most live bytes when there are more) and
 * returns how many, or -1 on error. Must not allocate through malloc while copying, so a caller may
 * call it between measured cycles. `site_size` is sizeof(struct leakscope_tracker_site) of the caller.
 * Symbol name: "leakscope_tracker_sites". */
typedef long (*leakscope_tracker_sites_fn)(struct leakscope_tracker_site* out, unsigned long capacity,
                                           uint32_t site_size);

/* Python targets (CPython 3.11): a frames[] entry at or above LEAKSCOPE_TRACKER_PYTHON_TAG is not a
 * return address but a Python frame, (code, line), interned by the tracker. Its names: */
#define LEAKSCOPE_TRACKER_PYTHON_TAG 0xffff800000000000ull

struct leakscope_tracker_python_names {
    uint32_t struct_size;       /* caller sets sizeof(struct leakscope_tracker_python_names) */
    uint32_t line;              /* 0 when unknown */
    const char* function;       /* UTF-8, not NUL-terminated: function_length bytes (co_qualname) */
    const char* file;           /* UTF-8, file_length bytes (co_filename) */
    uint32_t function_length;
    uint32_t file_length;
};

/* Fills *out with the names of the Python frame `address` (they stay valid for the process's life);
 * returns 0, or -1 when the address is not a Python frame the tracker interned. Allocates nothing.
 * Symbol name: "leakscope_tracker_python_frame". */
typedef int (*leakscope_tracker_python_frame_fn)(uint64_t address, struct leakscope_tracker_python_names* out);

#ifdef __cplusplus
}
#endif

#endif
