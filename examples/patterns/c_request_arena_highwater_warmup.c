/* A warm-up to the peak of a bursty load, in C (written in session 14 as a held-out check, never
 * tuned on): a catalog service answers requests on three worker threads, each with a request arena
 * (a chain of 64 KiB blocks, bump-allocated; reset after every request, keeping its blocks, as APR
 * pools and protobuf arenas do). Ordinary requests need 8-200 KiB. From 1 s to 4 s a partner's bulk
 * import runs through the same workers, with batches that grow from 0.5 MiB to 5 MiB as the import
 * speeds up; each arena grows to the largest batch its thread has seen, and keeps that many blocks
 * for good, reusing them for the small requests that follow.
 * Truth: a warm-up, then flat: the live heap rises from ~3 MB to ~18 MB between 1 and 4 s (three
 * arenas of ~5 MiB), then stays flat to the end (no block is ever added or freed after the import:
 * the program counts the blocks and prints the count at 4.5 s and at the end: 240 and 240). Not a
 * leak.
 * Measured (tests/accuracy/measure.py, session 14): live heap 3.4 MB at start, 13.1 MB at 3 s, 18.36 MB
 * from ~4.2 s to the end (slope 0 over 5-15 s); RSS 22.92 MB from ~4.2 s to the end.
 * Usage: c_request_arena_highwater_warmup SECONDS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define BLOCK_BYTES (64u * 1024u)

struct block {
    struct block* next;
    size_t used;
    unsigned char data[BLOCK_BYTES - 2 * sizeof(void*)];
};

struct arena {
    struct block* first;
    struct block* current;
    size_t blocks;
};

__attribute__((noinline)) static struct block* arena_add_block(struct arena* a) {
    struct block* b = malloc(sizeof *b);
    b->next = NULL;
    b->used = 0;
    if (a->current) a->current->next = b;
    else a->first = b;
    ++a->blocks;
    return b;
}

static void* arena_alloc(struct arena* a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->current) a->current = arena_add_block(a);
    while (a->current->used + n > sizeof a->current->data) {
        a->current = a->current->next ? a->current->next : arena_add_block(a);
        a->current->used = 0;
    }
    void* p = a->current->data + a->current->used;
    a->current->used += n;
    return p;
}

static void arena_reset(struct arena* a) {
    for (struct block* b = a->first; b; b = b->next) b->used = 0;
    a->current = a->first;
}

struct worker {
    pthread_t thread;
    int index;
    double seconds;
    struct arena arena;
    uint64_t requests, checksum;
};

/* A request's working set: records of 1-4 KiB, filled in, summed. */
static void serve(struct worker* w, size_t bytes, uint64_t seed) {
    size_t done = 0;
    while (done < bytes) {
        const size_t record = 1024 + (size_t)((seed * 2654435761u + done) % 3072);
        unsigned char* r = arena_alloc(&w->arena, record);
        memset(r, (int)(seed + done) & 0xff, record);
        w->checksum += r[record / 2];
        done += record;
    }
    arena_reset(&w->arena);
    ++w->requests;
}

static double g_start;

static void worker_tick(long i, double t, void* state) {
    struct worker* w = state;
    const uint64_t seed = (uint64_t)i * 3 + (uint64_t)w->index;
    /* 4 ordinary requests per 10 ms tick. */
    for (int k = 0; k < 4; ++k) serve(w, 8192 + (size_t)((seed * 40503u + (uint64_t)k * 7919u) % (192u * 1024u)), seed + (uint64_t)k);
    /* The bulk import, 1 s to 4 s: a batch every 100 ms, growing from 0.5 MiB to 5 MiB. */
    if (t >= 1.0 && t < 4.0 && i % 10 == (long)w->index * 3) {
        const double progress = (t - 1.0) / 3.0;
        serve(w, (size_t)((0.5 + 4.5 * progress) * 1048576.0), seed);
    }
}

static void* worker_main(void* arg) {
    struct worker* w = arg;
    pattern_every(0.01, w->seconds, worker_tick, w);
    return NULL;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    g_start = pattern_now();
    /* The catalog index the service keeps: ~2.5 MB. */
    const size_t index_entries = 160000;
    uint64_t* index = malloc(index_entries * 2 * sizeof *index);
    for (size_t k = 0; k < index_entries * 2; ++k) index[k] = k * 0x9e3779b97f4a7c15ull;

    struct worker workers[3];
    for (int k = 0; k < 3; ++k) {
        memset(&workers[k], 0, sizeof workers[k]);
        workers[k].index = k;
        workers[k].seconds = seconds;
        pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]);
    }
    /* The main thread reports the arenas' blocks once the import is over, then waits. */
    const double report_at = 4.5;
    while (pattern_now() - g_start < report_at && pattern_now() - g_start < seconds) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    size_t blocks_after_import = 0;
    for (int k = 0; k < 3; ++k) blocks_after_import += __atomic_load_n(&workers[k].arena.blocks, __ATOMIC_RELAXED);
    uint64_t requests = 0, checksum = 0;
    size_t blocks_at_end = 0;
    for (int k = 0; k < 3; ++k) {
        pthread_join(workers[k].thread, NULL);
        requests += workers[k].requests;
        checksum += workers[k].checksum;
        blocks_at_end += workers[k].arena.blocks;
    }
    fprintf(stderr, "%llu requests, arena blocks: %zu at %.1f s, %zu at the end (%zu bytes), checksum %llx, index %llx\n",
            (unsigned long long)requests, blocks_after_import, report_at, blocks_at_end, blocks_at_end * sizeof(struct block),
            (unsigned long long)checksum, (unsigned long long)index[index_entries]);
    free(index);
    return 0;
}
