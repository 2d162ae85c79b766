/* A leak outside the malloc heap (written in session 8 as a held-out check, never tuned on): a
 * packet-capture agent tracks flows in a hash table. Each new flow gets a 64 KiB packet ring mapped
 * with mmap (page-aligned, so the writer thread could hand it to O_DIRECT writes without copying),
 * whose slot descriptors are initialized across the whole ring. 40 flows start a second (the capture
 * thread, every 25 ms) and live 0.5-2 s. A flow that ends with FIN or RST is closed by
 * close_flow(), which unmaps its ring. One flow in five just goes quiet: the sweeper, every 250 ms,
 * evicts flows idle for 1 s with evict_idle(), which frees the flow record but not its ring (the
 * unmapping lives only in close_flow). The flow table itself (malloc'd records) stays at ~60 flows.
 * Truth: a leak, linear, outside the malloc heap: 8 rings a second of 65,536 bytes, all touched =
 * 524,288 B/s of anonymous mappings, from ~1 s (the first idle flows are evicted 1 s after their
 * last packet). Measured under leakscope run: RSS grows 518-525 kB/s over 3-9 s, 9-16 s and 3-16 s
 * (8.35 MB at 3 s, 15.16 MB at 16 s; the tracker's own start-up is in the first 8 MB), and so do the
 * mappings the tracker sees (4.19 -> 10.81 MB, 525 kB/s); the malloc'd live heap stays at 0.08 MB,
 * flat. The rings are mapped in map_ring.
 * Usage: c_flow_ring_leak SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "pacing.h"

enum { kRingBytes = 64 * 1024, kSlotBytes = 2048, kBuckets = 1024 };

struct slot {
    uint32_t length;
    uint32_t flags;
    uint64_t timestamp_ns;
    unsigned char payload[kSlotBytes - 16];
};

struct flow {
    uint32_t src, dst;
    uint16_t sport, dport;
    double last_seen;
    double ends_at;
    int ends_with_fin;
    uint32_t packets;
    struct slot* ring;
    struct flow* next;
};

struct agent {
    struct flow* buckets[kBuckets];
    uint64_t started, closed, evicted, packets;
    uint64_t live;
};

__attribute__((noinline)) static struct slot* map_ring(void) {
    void* p = mmap(NULL, kRingBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    struct slot* ring = p;
    for (int k = 0; k < kRingBytes / kSlotBytes; ++k) {
        ring[k].length = 0;
        ring[k].flags = 0;
        ring[k].timestamp_ns = 0;
        memset(ring[k].payload, 0, sizeof ring[k].payload);
    }
    return ring;
}

static unsigned bucket_of(const struct flow* f) {
    return (f->src * 2654435761u ^ f->dst ^ ((uint32_t)f->sport << 16 | f->dport)) % kBuckets;
}

static void start_flow(struct agent* a, double t) {
    struct flow* f = malloc(sizeof *f);
    uint64_t n = a->started++;
    f->src = 0xc0a80000u | (uint32_t)(n * 2654435761u % 65536);
    f->dst = 0x0a000001u + (uint32_t)(n % 64);
    f->sport = (uint16_t)(32768 + n * 7919 % 28000);
    f->dport = (n % 3) ? 443 : 80;
    f->last_seen = t;
    f->ends_at = t + 0.5 + (double)(n * 37 % 150) / 100.0;
    f->ends_with_fin = n % 5 != 4;  /* one flow in five goes quiet instead */
    f->packets = 0;
    f->ring = map_ring();
    unsigned b = bucket_of(f);
    f->next = a->buckets[b];
    a->buckets[b] = f;
    ++a->live;
}

static void close_flow(struct flow* f) {
    munmap(f->ring, kRingBytes);
    free(f);
}

/* The bug: the record goes, its ring stays mapped. */
static void evict_idle(struct flow* f) { free(f); }

/* Capture: packets for every live flow until it ends; FIN/RST closes it at once. */
static void capture(struct agent* a, double t) {
    for (unsigned b = 0; b < kBuckets; ++b) {
        struct flow** link = &a->buckets[b];
        while (*link) {
            struct flow* f = *link;
            if (t < f->ends_at) {
                struct slot* s = &f->ring[f->packets % (kRingBytes / kSlotBytes)];
                s->length = 64 + f->packets % 1400;
                s->timestamp_ns = (uint64_t)(t * 1e9);
                s->payload[f->packets % sizeof s->payload] ^= 1;
                ++f->packets;
                ++a->packets;
                f->last_seen = t;
            } else if (f->ends_with_fin) {
                *link = f->next;
                close_flow(f);
                ++a->closed;
                --a->live;
                continue;
            }
            link = &f->next;
        }
    }
}

static void sweep(struct agent* a, double t) {
    for (unsigned b = 0; b < kBuckets; ++b) {
        struct flow** link = &a->buckets[b];
        while (*link) {
            struct flow* f = *link;
            if (t - f->last_seen > 1.0) {
                *link = f->next;
                evict_idle(f);
                ++a->evicted;
                --a->live;
                continue;
            }
            link = &f->next;
        }
    }
}

/* One tick every 25 ms: a new flow, a round of capture; every 10th tick the idle sweep. */
static void tick(long i, double t, void* state) {
    struct agent* a = state;
    start_flow(a, t);
    capture(a, t);
    if (i % 10 == 9) sweep(a, t);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct agent* a = calloc(1, sizeof *a);
    pattern_every(0.025, seconds, tick, a);
    printf("%llu flows: %llu closed, %llu evicted idle, %llu live; %llu packets\n", (unsigned long long)a->started,
           (unsigned long long)a->closed, (unsigned long long)a->evicted, (unsigned long long)a->live,
           (unsigned long long)a->packets);
    return 0;
}
