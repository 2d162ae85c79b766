/* A staircase in plain C: a metrics daemon opens a new rollup bucket every 2 s (2,000,000 bytes of
 * counters, calloc'd and written) and keeps every bucket; between openings it only updates counters.
 * Memory is flat for 2 s, then steps up by 2 MB: 1,000,000 B/s on average, without bound.
 * Truth: staircase growth, a leak of 1,000,000 B/s; top site open_bucket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

struct rollups {
    unsigned char* buckets[256];
    int count;
};

__attribute__((noinline)) static unsigned char* open_bucket(int id) {
    unsigned char* bucket = calloc(2000000, 1);
    memset(bucket, id & 0xff, 2000000);
    return bucket;
}

static void tick(long i, double t, void* state) {
    (void)t;
    struct rollups* r = state;
    if (i % 20 == 10 && r->count < 256) r->buckets[r->count++] = open_bucket((int)i);
    if (r->count > 0) r->buckets[r->count - 1][i % 2000000] += 1;
}

int main(int argc, char** argv) {
    struct rollups r = {{0}, 0};
    pattern_every(0.1, pattern_run_seconds(argc, argv, 14), tick, &r);
    printf("%d buckets\n", r.count);
    for (int k = 0; k < r.count; ++k) free(r.buckets[k]);
    return 0;
}
