/* A flat C service whose graceful shutdown is in the recording (written in session 14 as a held-out
 * check, never tuned on): a caching DNS resolver. At start it loads its local zones (~31 MB of
 * records: 200,000 records of 84-182 B of names and rdata, loaded over the first second) and a
 * response cache of 16,384 fixed slots (~10 MB, allocated at start). Then two worker threads answer 3,000
 * queries a second: each builds a query and an answer buffer (512 B-4 KiB) that are freed, and a cache
 * miss replaces the slot's answer (a new buffer of 200-900 B; the old one is freed), so the cache
 * holds a fixed number of answers of the same size distribution all along. When its run time is up it
 * shuts down the way the real daemon does on SIGTERM: it stops the workers, frees the cache and the
 * zones, calls malloc_trim(0) so the memory goes back to the system, and waits 1.2 s for in-flight
 * TCP answers to drain (modelled as a sleep) before it exits.
 * Truth: not a leak: a warm-up of ~41 MB in the first second (zones and cache), then flat to the
 * shutdown; the last ~1.2 s of the recording is the teardown, RSS and heap falling to near nothing
 * at exit. The teardown is no pattern of the service; what ran before it is flat. The two workers'
 * glibc arenas keep a growing share of the freed answers (cache slots replaced on the other thread),
 * so RSS creeps while the live heap stays flat: that is fragmentation, also an honest name.
 * Measured (tests/accuracy/measure.py, session 14): live heap 0 -> 41.5 MB in the first 1.1 s, then
 * 41.50-41.56 MB (slope +3.5 kB/s over 2-14 s); RSS 70.6 MB at 1.1 s, +200 kB/s over 2-14 s (70.8 ->
 * 73.2 MB) while glibc's free-but-kept bytes (mallinfo2) grow 0.29 -> 2.42 MB; at 14.9-15.1 s the
 * teardown: live heap 0.07 MB and RSS 6.4 MB to the end (16.1 s). With --no-track: RSS +188 kB/s
 * over 3-13 s (50.1 -> 52.0 MB).
 * Usage: c_resolver_shutdown_teardown_flat SECONDS */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pacing.h"

#define ZONE_RECORDS 200000
#define CACHE_SLOTS 16384
#define DRAIN_S 1.2

struct zone_record {
    char* owner;
    char* rdata;
    uint16_t type;
    uint32_t ttl;
};

struct cache_slot {
    pthread_mutex_t lock;
    char* answer;
    size_t answer_len;
    uint64_t key;
};

struct resolver {
    struct zone_record* zone;
    size_t zone_loaded;
    struct cache_slot* cache;
    double seconds;
    unsigned long answered;
};

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static void load_zone_slice(long i, double t, void* state) {
    (void)t;
    struct resolver* r = state;
    if (r->zone_loaded >= ZONE_RECORDS) return;
    size_t end = r->zone_loaded + ZONE_RECORDS / 20; /* 20 slices of 50 ms: the first second */
    for (size_t k = r->zone_loaded; k < end; ++k) {
        struct zone_record* rec = &r->zone[k];
        size_t owner_len = 24 + mix(k) % 40, rdata_len = 60 + mix(k + 7) % 60;
        rec->owner = malloc(owner_len);
        rec->rdata = malloc(rdata_len);
        memset(rec->owner, 'a' + (int)(k % 26), owner_len);
        memset(rec->rdata, 'z' - (int)(k % 26), rdata_len);
        rec->type = (uint16_t)(1 + k % 16);
        rec->ttl = (uint32_t)(300 + k % 3600);
    }
    r->zone_loaded = end;
    (void)i;
}

struct worker {
    struct resolver* resolver;
    uint64_t rng;
};

static void answer_queries(long i, double t, void* state) {
    (void)t;
    struct worker* w = state;
    struct resolver* r = w->resolver;
    for (int q = 0; q < 15; ++q) { /* 15 queries every 10 ms per worker */
        w->rng = mix(w->rng + (uint64_t)i * 31 + (uint64_t)q);
        size_t query_len = 40 + w->rng % 200, answer_len = 512 + (w->rng >> 8) % 3585;
        char* query = malloc(query_len);
        char* answer = malloc(answer_len);
        memset(query, 'q', query_len);
        size_t loaded = r->zone_loaded;
        if (loaded > 0) {
            const struct zone_record* rec = &r->zone[(w->rng >> 16) % loaded];
            memcpy(answer, rec->rdata, 60);
        }
        memset(answer + 60, 'r', answer_len - 60);
        struct cache_slot* slot = &r->cache[(w->rng >> 24) % CACHE_SLOTS];
        pthread_mutex_lock(&slot->lock);
        if (slot->key != (w->rng & 0xff)) { /* a miss: the slot takes the new answer */
            size_t keep = 200 + (w->rng >> 32) % 701;
            char* cached = malloc(keep);
            memcpy(cached, answer, keep < answer_len ? keep : answer_len);
            free(slot->answer);
            slot->answer = cached;
            slot->answer_len = keep;
            slot->key = w->rng & 0xff;
        }
        pthread_mutex_unlock(&slot->lock);
        free(query);
        free(answer);
        __atomic_fetch_add(&r->answered, 1, __ATOMIC_RELAXED);
    }
}

static void* worker_main(void* arg) {
    struct worker* w = arg;
    pattern_every(0.01, w->resolver->seconds, answer_queries, w);
    return NULL;
}

int main(int argc, char** argv) {
    double seconds = pattern_run_seconds(argc, argv, 16);
    struct resolver r = {0};
    /* the workers serve from the end of the zone load (1 s) until the drain must start */
    r.seconds = seconds - 1.0 - DRAIN_S;
    r.zone = calloc(ZONE_RECORDS, sizeof *r.zone);
    r.cache = calloc(CACHE_SLOTS, sizeof *r.cache);
    for (size_t s = 0; s < CACHE_SLOTS; ++s) {
        pthread_mutex_init(&r.cache[s].lock, NULL);
        r.cache[s].answer_len = 200 + mix(s) % 701;
        r.cache[s].answer = malloc(r.cache[s].answer_len);
        memset(r.cache[s].answer, 'c', r.cache[s].answer_len);
        r.cache[s].key = 0x100; /* no key matches: every slot is first filled by a miss */
    }
    struct worker workers[2] = {{&r, 11}, {&r, 23}};
    pthread_t threads[2];
    /* the zones load first (1 s); the workers start on a full zone */
    pattern_every(0.05, 1.0, load_zone_slice, &r);
    for (int k = 0; k < 2; ++k) pthread_create(&threads[k], NULL, worker_main, &workers[k]);
    for (int k = 0; k < 2; ++k) pthread_join(threads[k], NULL);

    /* SIGTERM: free everything, give it back, drain. */
    unsigned long answered = r.answered;
    for (size_t s = 0; s < CACHE_SLOTS; ++s) free(r.cache[s].answer);
    for (size_t k = 0; k < r.zone_loaded; ++k) {
        free(r.zone[k].owner);
        free(r.zone[k].rdata);
    }
    free(r.cache);
    free(r.zone);
    malloc_trim(0);
    struct timespec drain = {1, 200000000};
    nanosleep(&drain, NULL);
    fprintf(stderr, "c_resolver_shutdown_teardown_flat: %lu queries answered, shut down\n", answered);
    return 0;
}
