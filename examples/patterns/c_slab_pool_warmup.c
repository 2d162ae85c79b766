/* A slab pool that grows on demand, then stays (written in session 4 as a fresh check, never tuned
 * on): a connection tracker keeps 512-byte connection records in 1 MiB slabs it mallocs as needed and
 * never returns. Open connections ramp from 0 to 16,000 over the first 4 s (16 slabs), then connections
 * open and close at the same pace, reusing freed records from the pool's free list.
 * Truth: warm-up (~8 MB), then flat; not a leak. */
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define RECORD_BYTES 512
#define SLAB_BYTES (1 << 20)
#define TARGET_OPEN 16000

struct record {
    struct record* next_free;
    char payload[RECORD_BYTES - sizeof(struct record*)];
};

struct pool {
    struct record* free_list;
    long open;
    long ring[TARGET_OPEN];
    struct record* slots[TARGET_OPEN];
};

static __attribute__((noinline)) void grow_pool(struct pool* p) {
    char* slab = malloc(SLAB_BYTES);
    for (size_t off = 0; off + RECORD_BYTES <= SLAB_BYTES; off += RECORD_BYTES) {
        struct record* r = (struct record*)(slab + off);
        r->next_free = p->free_list;
        p->free_list = r;
    }
}

static struct record* take(struct pool* p) {
    if (!p->free_list) grow_pool(p);
    struct record* r = p->free_list;
    p->free_list = r->next_free;
    memset(r->payload, 'c', sizeof r->payload);
    return r;
}

static void give_back(struct pool* p, struct record* r) {
    r->next_free = p->free_list;
    p->free_list = r;
}

static void tick(long i, double t, void* state) {
    struct pool* p = state;
    (void)i;
    for (int k = 0; k < 40; ++k) {
        if (t < 4.0 && p->open < TARGET_OPEN) {
            p->slots[p->open++] = take(p);
        } else {
            long victim = (i * 40 + k) * 7919 % p->open;
            give_back(p, p->slots[victim]);
            p->slots[victim] = take(p);
        }
    }
}

int main(int argc, char** argv) {
    static struct pool p;
    pattern_every(0.01, pattern_run_seconds(argc, argv, 14), tick, &p);
    return p.open > 0 ? 0 : 1;
}
