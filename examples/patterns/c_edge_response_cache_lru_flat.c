/* A bounded cache at capacity, churning (written in session 16 as a held-out check, never tuned on): a C
 * API gateway's response cache, bounded by bytes. 3,000 GET requests a second: seven in ten ask for
 * one of 6,000 popular resources (product pages, price lists), three in ten for a resource of the long
 * tail (a search with its query string, nearly always new). A hit moves the entry to the head of an LRU
 * list; a miss fetches the response from the upstream (a body of 256 B to 32 KiB, log-uniform, ~6.7 kB
 * on average), stores it with its key and headers, and evicts from the LRU tail until the bodies and
 * keys fit the 32 MB budget. All in one thread: every block lives and dies in glibc's main arena.
 * Truth: not a leak: the cache fills to its budget in the first ~2 s (~33 MB of malloc, with the
 * entries' records, their header strings and the fixed bucket array: the popular set alone would need
 * ~40 MB, so popular entries are evicted too and only ~32% of requests hit), then stays there, each
 * miss's new body paid for by the bodies it evicts; ~4,740 entries. What a run sees after the fill is
 * churn of ~2,000 inserts and evictions a second of mixed sizes over a flat live heap, while RSS rises
 * a few MB more as the heap's holes are reused imperfectly, then levels off (fragmentation, no leak).
 * Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a scratch
 * preload shim, no tracker; two runs, the same to 0.1 MB): heap 0.6 -> 32.2 MB over 0-2 s, then 32.8 ->
 * 32.9 MB over 2-4 s and flat at 32.86-32.93 MB over 4-16 s (+2.2 and +2.6 kB/s over 6-16 s); RSS 34.3 MB
 * at 2 s, 38.0 at 4 s, 38.3 at 6 s, 39.8 at 8 s, then 39.8 -> 39.9 MB over 8-16 s (+4 to +11 kB/s);
 * 32,600 misses, 27,860 evictions, 15,400 hits.
 * Usage: c_edge_response_cache_lru_flat SECONDS */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kBuckets = 16384, kPopular = 6000, kRequestsPerTick = 60 };
#define BUDGET_BYTES (32u * 1000u * 1000u)

struct cached_response {
    char* key;
    char* headers;
    unsigned char* body;
    size_t body_length;
    double stored_s;
    uint64_t hits;
    struct cached_response* lru_prev; /* towards the head (most recent) */
    struct cached_response* lru_next;
    struct cached_response* bucket_next;
};

struct response_cache {
    struct cached_response* buckets[kBuckets];
    struct cached_response* head;
    struct cached_response* tail;
    size_t bytes, entries;
    uint64_t hits, misses, evictions;
};

struct gateway {
    struct response_cache cache;
    uint64_t seed, tail_queries, bytes_served;
};

static uint64_t next_random(struct gateway* g) {
    g->seed = g->seed * 6364136223846793005ull + 1442695040888963407ull;
    return g->seed >> 17;
}

static unsigned hash_key(const char* key) {
    uint64_t h = 1469598103934665603ull;
    for (; *key; ++key) h = (h ^ (unsigned char)*key) * 1099511628211ull;
    return (unsigned)(h % kBuckets);
}

static void lru_unlink(struct response_cache* c, struct cached_response* e) {
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next; else c->head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev; else c->tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_head(struct response_cache* c, struct cached_response* e) {
    e->lru_next = c->head;
    if (c->head) c->head->lru_prev = e; else c->tail = e;
    c->head = e;
}

static size_t charge(const struct cached_response* e) { return e->body_length + strlen(e->key) + strlen(e->headers); }

static void evict_tail(struct response_cache* c) {
    struct cached_response* victim = c->tail;
    struct cached_response** link = &c->buckets[hash_key(victim->key)];
    while (*link != victim) link = &(*link)->bucket_next;
    *link = victim->bucket_next;
    lru_unlink(c, victim);
    c->bytes -= charge(victim);
    --c->entries;
    ++c->evictions;
    free(victim->key);
    free(victim->headers);
    free(victim->body);
    free(victim);
}

static struct cached_response* find(struct response_cache* c, const char* key) {
    for (struct cached_response* e = c->buckets[hash_key(key)]; e; e = e->bucket_next)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

/* The upstream's answer, stored: its body (256 B - 32 KiB, log-uniform) and its headers. */
static struct cached_response* fetch_and_store(struct gateway* g, const char* key, double now_s) {
    struct response_cache* c = &g->cache;
    struct cached_response* e = calloc(1, sizeof *e);
    e->key = strdup(key);
    e->body_length = (size_t)(256.0 * exp(log(128.0) * (double)(next_random(g) % 1000000) / 1e6));
    e->body = malloc(e->body_length);
    memset(e->body, '{', e->body_length);
    if (asprintf(&e->headers, "content-type: application/json\r\netag: \"%016llx\"\r\ncache-control: max-age=300\r\n",
                 (unsigned long long)next_random(g)) < 0)
        abort();
    e->stored_s = now_s;
    const unsigned b = hash_key(key);
    e->bucket_next = c->buckets[b];
    c->buckets[b] = e;
    lru_push_head(c, e);
    c->bytes += charge(e);
    ++c->entries;
    while (c->bytes > BUDGET_BYTES && c->tail != e) evict_tail(c);
    return e;
}

static void serve(struct gateway* g, double now_s) {
    char key[160];
    if (next_random(g) % 10 < 7)
        snprintf(key, sizeof key, "GET /api/v2/products/%llu?locale=en-GB&currency=GBP",
                 (unsigned long long)(next_random(g) % kPopular));
    else
        snprintf(key, sizeof key, "GET /api/v2/search?q=%llx&page=%llu&sort=relevance",
                 (unsigned long long)next_random(g), (unsigned long long)(next_random(g) % 5));
    struct response_cache* c = &g->cache;
    struct cached_response* e = find(c, key);
    if (e) {
        ++c->hits;
        ++e->hits;
        lru_unlink(c, e);
        lru_push_head(c, e);
    } else {
        ++c->misses;
        e = fetch_and_store(g, key, now_s);
    }
    g->bytes_served += e->body_length;
}

static void tick(long i, double t, void* state) {
    (void)i;
    for (int k = 0; k < kRequestsPerTick; ++k) serve(state, t);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct gateway* g = calloc(1, sizeof *g);
    g->seed = 1666;
    pattern_every(0.02, seconds, tick, g); /* 50 ticks a second, 60 requests each: 3,000 a second */
    fprintf(stderr, "%zu entries, %zu bytes cached, %llu hits, %llu misses, %llu evictions, %llu bytes served\n",
            g->cache.entries, g->cache.bytes, (unsigned long long)g->cache.hits, (unsigned long long)g->cache.misses,
            (unsigned long long)g->cache.evictions, (unsigned long long)g->bytes_served);
    return 0;
}
