/* An unreachable leak under jemalloc, on an error path, two threads (written in session 32, batch 11, as a
 * held-out check, never tuned on): the upstream side of an HTTP/2 reverse proxy. Two event-loop threads
 * each keep 100 HTTP/2 connections to the application servers and forward 1,500 responses a second
 * between them (15 a second a connection). Each response's header block is HPACK-decoded: its headers
 * with new values (date, etag, request id, cookies, server timing...) are inserted into the connection's
 * dynamic table (the upstreams announce SETTINGS_HEADER_TABLE_SIZE 16,384: ~230 entries, the oldest
 * evicted beyond it), each entry one malloc'd block with its name and value; the response's header and
 * body buffers are malloc'd and freed as it is forwarded. 60 connections a second are closed and replaced
 * (the upstreams' max-requests and idle limits); the application servers are in a rolling deploy, so one
 * close in two is a GOAWAY from a draining server. The orderly close frees the connection with
 * h2_conn_free(), table included; the GOAWAY handler, written for a proxy that then kept no dynamic
 * table, frees the stream array, the buffers, the table's ring of pointers and the connection, but not
 * the entries the ring pointed to.
 * Truth: a leak, unreachable, linear: ~30 GOAWAY closes a second, each leaving its table's entries (up to
 * ~230 blocks of 32-128 B, ~11 kB when full; a table fills in ~3.3 s, about a connection's mean life, so
 * ~6.3 kB on average), ~190 kB/s. From the start, but its rate rises over the first ~3 s, while the first
 * connections' tables fill; the connections (32 kB of buffers, 4 kB of ring and 2 kB of streams each, ~7.6
 * MB for 200) and their live tables (~1.4 MB, each renewed by evictions as it goes) are the warm-up, ~9 MB.
 * Under jemalloc, RSS grows faster than the live heap: the leaked entries pin their slabs among the ones
 * the evictions free.
 * Measured (session 32, tests/accuracy/measure.py): tracked, live heap 8.01 MB at 0.2 s, 9.42 at 3 s (the
 * tables filling and the first leaks), 10.60 at 9 s, 11.91 at 16 s (+194 kB/s over 3-13 s, +194 over 3-9 s,
 * +183 over 9-16 s), RSS 18.3 MB at 3 s, 25.1 at 16 s (+665 kB/s over 3-13 s, in steps); --plain, RSS 14.3 MB
 * at 3 s, 17.4 at 9 s, 18.8 at 16 s (+378 kB/s over 3-13 s, +486 over 3-9 s, +241 over 9-16 s); 958
 * connections closed, 486 of them by GOAWAY; 28,307 entries in the open connections' tables at exit.
 * Usage: LD_PRELOAD=libjemalloc.so.2 c_jemalloc_h2_goaway_hpack_table_leak SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum {
    kThreads = 2,
    kConnsPerThread = 100,
    kResponsesPerTick = 15,  /* per thread, every 10 ms: 3,000 a second in all */
    kTableSize = 16384,      /* SETTINGS_HEADER_TABLE_SIZE, in HPACK octets (name + value + 32 a header) */
    kRingCapacity = 512,
    kMaxStreams = 128,
    kBufferBytes = 16384,
};
static const double kClosesPerSecondPerThread = 30; /* 60 in all */

/* One dynamic table entry: its name and value in one block. */
struct hpack_entry {
    uint16_t name_len, value_len;
    char data[];
};

struct hpack_table {
    struct hpack_entry** ring; /* oldest first, from head */
    int head, count;
    size_t size;               /* HPACK octets */
    uint64_t inserted, evicted;
};

struct h2_stream {
    uint32_t id;
    uint32_t state;
    uint64_t bytes;
};

struct h2_conn {
    uint64_t id;
    char authority[64];
    struct hpack_table decoder;
    struct h2_stream* streams;
    char* read_buffer;
    char* write_buffer;
    uint64_t responses;
};

struct worker {
    int index;
    struct h2_conn* conns[kConnsPerThread];
    uint64_t next_conn_id, responses, goaways, orderly, closes_due_done;
    uint64_t header_bytes, body_bytes;
};

static void hpack_evict_oldest(struct hpack_table* t) {
    struct hpack_entry* e = t->ring[t->head];
    t->size -= (size_t)e->name_len + e->value_len + 32;
    free(e);
    t->head = (t->head + 1) % kRingCapacity;
    --t->count;
    ++t->evicted;
}

/* A literal header field with incremental indexing: the header goes into the dynamic table. */
__attribute__((noinline)) static void hpack_table_insert(struct hpack_table* t, const char* name, const char* value) {
    const size_t name_len = strlen(name), value_len = strlen(value), octets = name_len + value_len + 32;
    while (t->count > 0 && (t->size + octets > kTableSize || t->count == kRingCapacity)) hpack_evict_oldest(t);
    struct hpack_entry* e = malloc(sizeof *e + name_len + value_len);
    e->name_len = (uint16_t)name_len;
    e->value_len = (uint16_t)value_len;
    memcpy(e->data, name, name_len);
    memcpy(e->data + name_len, value, value_len);
    t->ring[(t->head + t->count) % kRingCapacity] = e;
    ++t->count;
    t->size += octets;
    ++t->inserted;
}

static void hpack_table_clear(struct hpack_table* t) {
    while (t->count > 0) hpack_evict_oldest(t);
}

static struct h2_conn* h2_conn_open(struct worker* w) {
    struct h2_conn* c = calloc(1, sizeof *c);
    c->id = ++w->next_conn_id;
    snprintf(c->authority, sizeof c->authority, "app-%02d.checkout.svc.cluster.local:8443",
             (int)(mix(c->id ^ (uint64_t)w->index << 40) % 48));
    c->decoder.ring = calloc(kRingCapacity, sizeof *c->decoder.ring);
    c->streams = calloc(kMaxStreams, sizeof *c->streams);
    c->read_buffer = malloc(kBufferBytes);
    c->write_buffer = malloc(kBufferBytes);
    memset(c->read_buffer, 0, kBufferBytes); /* the SETTINGS exchange and the first frames land here */
    memset(c->write_buffer, 0, kBufferBytes);
    return c;
}

static void h2_conn_free(struct h2_conn* c) {
    hpack_table_clear(&c->decoder);
    free(c->decoder.ring);
    free(c->streams);
    free(c->read_buffer);
    free(c->write_buffer);
    free(c);
}

/* GOAWAY from a draining upstream: the streams are refused back to the router, the connection goes. */
static void h2_conn_on_goaway(struct h2_conn* c) {
    /* (this proxy decoded with a static table only when this was written: there were no entries) */
    free(c->decoder.ring);
    free(c->streams);
    free(c->read_buffer);
    free(c->write_buffer);
    free(c);
}

/* One response from upstream: decode its header block, forward it and its body. */
static void h2_on_response(struct worker* w, struct h2_conn* c, uint64_t n) {
    const uint64_t h = mix(n ^ c->id << 20);
    char value[160];
    struct h2_stream* s = &c->streams[(c->responses * 2 + 1) % kMaxStreams];
    s->id = (uint32_t)(c->responses * 2 + 1);
    s->state = 1;
    /* The header block as received (HPACK-encoded; here its size), then decoded. */
    const size_t block_len = 120 + h % 400;
    char* block = malloc(block_len);
    memset(block, (int)(h & 0x7f), block_len);
    snprintf(value, sizeof value, "Fri, 14 Nov 2026 19:%02d:%02d GMT", (int)(n / 3600 % 60), (int)(n / 60 % 60));
    hpack_table_insert(&c->decoder, "date", value);
    snprintf(value, sizeof value, "W/\"%llx-%llx\"", (unsigned long long)(h >> 40), (unsigned long long)(h & 0xffffff));
    hpack_table_insert(&c->decoder, "etag", value);
    snprintf(value, sizeof value, "%016llx%016llx", (unsigned long long)h, (unsigned long long)mix(h));
    hpack_table_insert(&c->decoder, "x-request-id", value);
    snprintf(value, sizeof value, "db;dur=%.1f, cache;dur=%.1f, app;dur=%.1f", (double)(h % 400) / 10,
             (double)(h >> 12 & 255) / 10, (double)(h >> 20 & 1023) / 10);
    hpack_table_insert(&c->decoder, "server-timing", value);
    if (h % 3 == 0) {
        snprintf(value, sizeof value, "cart=%016llx; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax",
                 (unsigned long long)mix(h + 7));
        hpack_table_insert(&c->decoder, "set-cookie", value);
    }
    if (h % 4 == 0) {
        snprintf(value, sizeof value, "%llu", (unsigned long long)(1000 + h % 60000));
        hpack_table_insert(&c->decoder, "content-length", value);
    }
    /* The body, forwarded downstream through a buffer of its size. */
    const size_t body_len = 512 + (h >> 24) % 24576;
    char* body = malloc(body_len);
    memcpy(body, c->read_buffer, body_len < kBufferBytes ? body_len : kBufferBytes);
    memcpy(c->write_buffer, body, body_len < kBufferBytes ? body_len : kBufferBytes);
    w->header_bytes += block_len;
    w->body_bytes += body_len;
    free(body);
    free(block);
    s->state = 0;
    ++c->responses;
    ++w->responses;
}

struct run {
    struct worker* w;
    double seconds;
};

static void worker_tick(long i, double t, void* arg) {
    struct worker* w = arg;
    for (int k = 0; k < kResponsesPerTick; ++k) {
        const uint64_t n = (uint64_t)i * kResponsesPerTick + (uint64_t)k;
        struct h2_conn* c = w->conns[mix(n ^ 0xc0ffee ^ (uint64_t)w->index << 32) % kConnsPerThread];
        h2_on_response(w, c, n);
    }
    /* Closes due by now: one in two a GOAWAY from a draining server. */
    const uint64_t due = (uint64_t)(t * kClosesPerSecondPerThread);
    for (; w->closes_due_done < due; ++w->closes_due_done) {
        const uint64_t h = mix(w->closes_due_done ^ 0x90a9a7 ^ (uint64_t)w->index << 36);
        const int slot = (int)(h % kConnsPerThread);
        if ((h >> 32) % 2 == 0) {
            h2_conn_on_goaway(w->conns[slot]);
            ++w->goaways;
        } else {
            h2_conn_free(w->conns[slot]);
            ++w->orderly;
        }
        w->conns[slot] = h2_conn_open(w);
    }
}

static void* worker_main(void* arg) {
    struct run* r = arg;
    pattern_every(0.01, r->seconds, worker_tick, r->w);
    return NULL;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    static struct worker workers[kThreads];
    struct run runs[kThreads];
    pthread_t threads[kThreads];
    for (int k = 0; k < kThreads; ++k) {
        workers[k].index = k;
        for (int c = 0; c < kConnsPerThread; ++c) workers[k].conns[c] = h2_conn_open(&workers[k]);
        runs[k] = (struct run){&workers[k], seconds};
        pthread_create(&threads[k], NULL, worker_main, &runs[k]);
    }
    uint64_t responses = 0, goaways = 0, orderly = 0, body = 0, entries = 0;
    for (int k = 0; k < kThreads; ++k) {
        pthread_join(threads[k], NULL);
        responses += workers[k].responses;
        goaways += workers[k].goaways;
        orderly += workers[k].orderly;
        body += workers[k].body_bytes;
        for (int c = 0; c < kConnsPerThread; ++c) entries += (uint64_t)workers[k].conns[c]->decoder.count;
    }
    fprintf(stderr,
            "%llu responses forwarded (%llu MB of bodies); %llu connections closed, %llu of them by GOAWAY; %llu "
            "entries in the open connections' tables\n",
            (unsigned long long)responses, (unsigned long long)(body >> 20), (unsigned long long)(goaways + orderly),
            (unsigned long long)goaways, (unsigned long long)entries);
    return 0;
}
