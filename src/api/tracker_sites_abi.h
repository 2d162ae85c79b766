/* PROPOSED addition to the tracker's C ABI (src/tracker/tracker_abi.h), used by measure_cycles to name
 * the allocation sites that grow per cycle. The public library looks the symbol up with dlsym, so until
 * the tracker exports it the results simply carry no sites. Kept here, not in tracker_abi.h, because
 * that header belongs to the tracker module; the lead moves it there once the tracker implements it. */
#ifndef LEAKSCOPE_TRACKER_SITES_ABI_H
#define LEAKSCOPE_TRACKER_SITES_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif

#endif
