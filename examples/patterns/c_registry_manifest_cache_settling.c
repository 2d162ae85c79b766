/* A settling warm-up in C with glibc, four threads (written in session 34, batch 13, as a held-out check,
 * never tuned on): the pull-through cache of a company's container registry mirror, in front of Docker Hub
 * and its own upstream registry, serving a CI fleet. Four worker threads answer 4,000 manifest requests a
 * second between them (GET /v2/<repo>/manifests/<tag>). The first request for an image reference resolves
 * it upstream, keeps the manifest (its raw JSON, ~1.2-2.5 kB, for the digest check and to serve it again)
 * and its parsed form (config digest, 3-12 layers with their digests, sizes and media types) in a hash
 * table under 64 striped locks; every later request for it is answered from there. The tags' 10-minute
 * TTL outlasts the run, so nothing is evicted. Each request's parsed path, its response headers (1-8 kB)
 * and its blob redirect URLs are malloc'd and freed within the request.
 * The references pulled are 8,000 in all, in two tiers: 2,000 base and builder images that 40% of the
 * pulls ask for (1,600 a second over 2,000: each first seen as 1 - e^(-t/1.25 s)) and 6,000 project images
 * that get the other 60% (2,400 a second over 6,000: 1 - e^(-t/2.5 s)), uniform within each tier.
 * Truth: not a leak: a decelerating warm-up to a plateau over a finite key space, the sum of two saturating
 * curves: ~23.8 MB of cached manifests when all are in (~3 kB each in ~12 blocks), ~8 MB/s at the start,
 * ~2.7 MB/s at 2-4 s, ~0.5 MB/s at 6-8 s, ~0.1 MB/s at 10-12 s, ~0.05 MB/s at 14-16 s (99.9% of the
 * references seen by the end). The cache's own byte counter (the sizes malloc'd for it) is printed every
 * 2 s on stderr: 14.56 MB at 2 s, 19.87 at 4 s, 21.98 at 6 s, 22.96 at 8 s, 23.40 at 10 s, 23.60 at 12 s,
 * 23.70 at 14 s, 23.75 at the end (7,993 of the 8,000 manifests).
 * Measured (session 34, tests/accuracy/measure.py): tracked, live heap 9.22 MB at 1 s, 17.79 at 3 s, 21.09 at 5
 * s, 22.97 at 8 s, 23.40 at 10 s, 23.64 at 13 s, 23.75 at 16 s (+2.01 MB/s over 1-7 s, +834 kB/s over 3-9 s,
 * +70 kB/s over 9-16 s, +41 over 13-16 s; +469 kB/s over 3-13 s), RSS 27.1 MB at 3 s, 37.5 at 16 s; --plain,
 * RSS 11.84 MB at 1 s, 21.20 at 3 s, 24.80 at 5 s, 26.86 at 8 s, 27.60 at 13 s, 27.72 at 16 s (+913 kB/s over
 * 3-9 s, +77 over 9-16 s, +45 over 13-16 s; +520 over 3-13 s); 64,000 pulls, 7,993 misses.
 * Usage: c_registry_manifest_cache_settling SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kWorkers = 4, kPullsPerTick = 10, kHotRefs = 2000, kColdRefs = 6000, kBuckets = 16384, kStripes = 64,
       kMaxLayers = 12 };

struct layer {
    char* digest;     /* sha256:<64 hex> */
    char* media_type;
    uint64_t size;
};

struct manifest_entry {
    char* reference;  /* registry/repo:tag */
    char* digest;
    char* raw_json;   /* as fetched, served again byte for byte */
    size_t raw_len;
    char* config_digest;
    struct layer* layers;
    int layer_count;
    uint64_t hits;
    struct manifest_entry* next;
};

static struct manifest_entry* g_buckets[kBuckets];
static pthread_mutex_t g_stripes[kStripes];
static double g_seconds;
static atomic_long g_cache_bytes, g_entries, g_pulls, g_misses, g_bytes_served;

static void* cache_alloc(size_t n) {
    atomic_fetch_add(&g_cache_bytes, (long)n);
    return malloc(n);
}

static char* cache_strdup(const char* s) {
    const size_t n = strlen(s) + 1;
    char* copy = cache_alloc(n);
    memcpy(copy, s, n);
    return copy;
}

static void format_digest(char* out, uint64_t seed) {
    int at = sprintf(out, "sha256:");
    for (int k = 0; k < 4; ++k) at += sprintf(out + at, "%016llx", (unsigned long long)mix(seed + (uint64_t)k));
}

static void reference_name(char* out, size_t size, uint32_t ref) {
    static const char* const bases[] = {"library/python", "library/node", "library/golang", "library/alpine",
                                        "library/postgres", "library/eclipse-temurin", "library/nginx", "library/redis"};
    static const char* const teams[] = {"payments", "search", "ledger", "identity", "checkout", "platform", "data"};
    if (ref < kHotRefs)
        snprintf(out, size, "docker.io/%s:%u.%u-%s", bases[ref % 8], 3 + ref / 8 % 20, ref / 160,
                 ref & 1 ? "slim-bookworm" : "alpine3.20");
    else
        snprintf(out, size, "registry.corp.example/%s/svc-%04u:build-%05u", teams[ref % 7], ref % 611, ref);
}

/* The upstream's answer for a reference: the manifest's JSON (an OCI image manifest). */
static size_t fetch_upstream(uint32_t ref, char* json, size_t size, int* layer_count) {
    const uint64_t h = mix(ref ^ 0x0c1u);
    *layer_count = 3 + (int)(h % 10);
    char digest[80];
    format_digest(digest, h);
    size_t at = (size_t)snprintf(json, size,
                                 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                                 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
                                 "\"size\":%llu},\"layers\":[",
                                 digest, (unsigned long long)(1000 + h % 9000));
    for (int l = 0; l < *layer_count; ++l) {
        format_digest(digest, h + 100 + (uint64_t)l);
        at += (size_t)snprintf(json + at, size - at,
                               "%s{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
                               "\"size\":%llu}",
                               l ? "," : "", digest, (unsigned long long)(mix(h + (uint64_t)l) % 90000000));
    }
    at += (size_t)snprintf(json + at, size - at,
                           "],\"annotations\":{\"org.opencontainers.image.created\":\"2026-12-%02u\","
                           "\"org.opencontainers.image.revision\":\"%016llx\"}}",
                           1 + (unsigned)(h % 28), (unsigned long long)h);
    return at;
}

/* Parses the fetched manifest into a cache entry (a hand-rolled scan of the fields the mirror needs). */
static struct manifest_entry* parse_manifest(const char* reference, const char* json, size_t len) {
    struct manifest_entry* e = cache_alloc(sizeof *e);
    memset(e, 0, sizeof *e);
    e->reference = cache_strdup(reference);
    e->raw_json = cache_alloc(len + 1);
    memcpy(e->raw_json, json, len + 1);
    e->raw_len = len;
    char digest[80];
    format_digest(digest, mix(len) ^ (uint64_t)json[len / 2]);
    e->digest = cache_strdup(digest);
    const char* p = strstr(json, "\"digest\":\"");
    char field[80];
    memcpy(field, p + 10, 71);
    field[71] = 0;
    e->config_digest = cache_strdup(field);
    e->layers = cache_alloc(sizeof(struct layer) * kMaxLayers);
    for (p = strstr(p + 10, "\"digest\":\""); p && e->layer_count < kMaxLayers; p = strstr(p + 10, "\"digest\":\"")) {
        struct layer* l = &e->layers[e->layer_count++];
        memcpy(field, p + 10, 71);
        field[71] = 0;
        l->digest = cache_strdup(field);
        l->media_type = cache_strdup("application/vnd.oci.image.layer.v1.tar+gzip");
        const char* size = strstr(p, "\"size\":");
        l->size = size ? strtoull(size + 7, NULL, 10) : 0;
    }
    return e;
}

static const struct manifest_entry* lookup_or_fetch(uint32_t ref) {
    char reference[128];
    reference_name(reference, sizeof reference, ref);
    const uint64_t h = mix(ref * 0x9e37u + 1);
    const size_t bucket = h % kBuckets;
    pthread_mutex_t* stripe = &g_stripes[bucket % kStripes];
    pthread_mutex_lock(stripe);
    for (struct manifest_entry* e = g_buckets[bucket]; e; e = e->next)
        if (strcmp(e->reference, reference) == 0) {
            ++e->hits;
            pthread_mutex_unlock(stripe);
            return e;
        }
    pthread_mutex_unlock(stripe);
    /* A miss: resolve upstream without the lock, then insert (unless another worker did meanwhile). */
    atomic_fetch_add(&g_misses, 1);
    char* json = malloc(4096);
    int layers;
    const size_t len = fetch_upstream(ref, json, 4096, &layers);
    struct manifest_entry* fresh = parse_manifest(reference, json, len);
    free(json);
    pthread_mutex_lock(stripe);
    for (struct manifest_entry* e = g_buckets[bucket]; e; e = e->next)
        if (strcmp(e->reference, reference) == 0) {
            pthread_mutex_unlock(stripe);
            /* Lost the race: drop ours. */
            for (int l = 0; l < fresh->layer_count; ++l) {
                atomic_fetch_sub(&g_cache_bytes, (long)(strlen(fresh->layers[l].digest) + 1 +
                                                        strlen(fresh->layers[l].media_type) + 1));
                free(fresh->layers[l].digest);
                free(fresh->layers[l].media_type);
            }
            atomic_fetch_sub(&g_cache_bytes, (long)(sizeof(struct layer) * kMaxLayers + fresh->raw_len + 1 +
                                                    strlen(fresh->reference) + 1 + strlen(fresh->digest) + 1 +
                                                    strlen(fresh->config_digest) + 1 + sizeof *fresh));
            free(fresh->layers);
            free(fresh->raw_json);
            free(fresh->reference);
            free(fresh->digest);
            free(fresh->config_digest);
            free(fresh);
            return e;
        }
    fresh->next = g_buckets[bucket];
    g_buckets[bucket] = fresh;
    pthread_mutex_unlock(stripe);
    atomic_fetch_add(&g_entries, 1);
    return fresh;
}

/* One pull: parse the path, answer from the cache, send the headers and the manifest. */
static void serve(uint64_t n) {
    const uint64_t h = mix(n ^ 0x5eed);
    const uint32_t ref = h % 100 < 40 ? (uint32_t)((h >> 8) % kHotRefs) : kHotRefs + (uint32_t)((h >> 8) % kColdRefs);
    char* path = malloc(256);
    snprintf(path, 256, "/v2/ci-runner-%llu/manifests/%u", (unsigned long long)(h % 300), ref);
    const struct manifest_entry* e = lookup_or_fetch(ref);
    const size_t header_size = 1024 + (size_t)(h >> 20) % 7168;
    char* headers = malloc(header_size);
    int at = snprintf(headers, header_size,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                      "Docker-Content-Digest: %s\r\nContent-Length: %zu\r\nX-Cache: HIT\r\n",
                      e->digest, e->raw_len);
    for (int l = 0; l < e->layer_count && at < (int)header_size - 200; ++l)
        at += snprintf(headers + at, header_size - (size_t)at, "Link: <https://blobs.corp.example/%s>; rel=\"layer\"\r\n",
                       e->layers[l].digest);
    memset(headers + at, ' ', header_size - (size_t)at - 1);  /* padding the writev would send */
    atomic_fetch_add(&g_bytes_served, (long)(header_size + e->raw_len));
    free(headers);
    free(path);
    atomic_fetch_add(&g_pulls, 1);
}

struct worker {
    int index;
};

static void worker_tick(long i, double t, void* state) {
    const struct worker* w = state;
    for (int k = 0; k < kPullsPerTick; ++k)
        serve(((uint64_t)i * kPullsPerTick + (uint64_t)k) * kWorkers + (uint64_t)w->index);
    if (w->index == 0 && i % 200 == 0)
        fprintf(stderr, "t=%.1f s: %ld manifests cached, %.2f MB malloc'd for the cache\n", t, atomic_load(&g_entries),
                (double)atomic_load(&g_cache_bytes) / 1e6);
}

static void* worker_main(void* arg) {
    pattern_every(0.01, g_seconds, worker_tick, arg);
    return NULL;
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    for (int s = 0; s < kStripes; ++s) pthread_mutex_init(&g_stripes[s], NULL);
    pthread_t threads[kWorkers];
    struct worker workers[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        workers[w].index = w;
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    }
    for (int w = 0; w < kWorkers; ++w) pthread_join(threads[w], NULL);
    fprintf(stderr, "%ld pulls, %ld misses; %ld of %d manifests cached, %.2f MB malloc'd for the cache; %ld MB served\n",
            atomic_load(&g_pulls), atomic_load(&g_misses), atomic_load(&g_entries), kHotRefs + kColdRefs,
            (double)atomic_load(&g_cache_bytes) / 1e6, atomic_load(&g_bytes_served) >> 20);
    _Exit(0);
}
