/* A leak that starts late, after a warm-up (written in session 7 as a held-out check, never tuned
 * on): a database client keeps a pool of 64 connections, opened 25 a second at start (each with a
 * 64 KiB read buffer and a 64 KiB write buffer, and a 12,000-byte TLS session blob), so the pool warms
 * up over its first ~2.6 s; a 12 MB routing table is loaded before that. Then it serves: the pool
 * recycles one connection every 50 ms (closed, and a fresh one opened in its slot), which frees
 * everything the old one held. At 8 s the primary fails over; from then on conn_close() keeps the TLS
 * session blob "for resumption" on a list that nothing ever reads or prunes, so each recycled
 * connection leaves its 12,000-byte blob (and a 16-byte list node) behind, still reachable.
 * Truth: three phases: a warm-up (the 12 MB table, then 64 connections of ~143 kB: the live heap
 * measured 12.4 MB at the first sample, 21.2 MB from ~2.6 s), flat until 8 s (live heap and RSS
 * unchanged over 3-8 s), then a leak, linear from its onset: 20 blobs a second x (12,000 + 16) B =
 * 240,320 B/s (measured over 9-18 s: live heap 240,324 B/s, RSS 240,341 B/s), ~2.4 MB over the last
 * 10 s on a ~26 MB process (about 10% of it). The blobs are allocated in tls_handshake.
 * Usage: c_failover_session_leak SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kPool = 64, kBuffer = 64 * 1024, kSessionBlob = 12000 };

struct connection {
    char* read_buffer;
    char* write_buffer;
    unsigned char* tls_session;
    uint64_t served;
};

struct resumption_node {
    unsigned char* tls_session;
    struct resumption_node* next;
};

struct client {
    struct connection* pool[kPool];
    int opened;
    int failed_over;
    struct resumption_node* resumable; /* the failover path's list: never read, never pruned */
    uint32_t* routes;
    size_t route_count;
    uint64_t checksum;
    long handshakes;
};

__attribute__((noinline)) static unsigned char* tls_handshake(long n) {
    unsigned char* blob = malloc(kSessionBlob);
    memset(blob, (int)(n & 0xff), kSessionBlob);
    return blob;
}

static struct connection* conn_open(struct client* c) {
    struct connection* conn = calloc(1, sizeof *conn);
    conn->read_buffer = malloc(kBuffer);
    conn->write_buffer = malloc(kBuffer);
    memset(conn->read_buffer, 'r', kBuffer);
    memset(conn->write_buffer, 'w', kBuffer);
    conn->tls_session = tls_handshake(c->handshakes++);
    return conn;
}

static void conn_close(struct client* c, struct connection* conn) {
    if (c->failed_over) {
        /* The bug: "keep the session for a quick resumption on the new primary". */
        struct resumption_node* node = malloc(sizeof *node);
        node->tls_session = conn->tls_session;
        node->next = c->resumable;
        c->resumable = node;
    } else {
        free(conn->tls_session);
    }
    free(conn->read_buffer);
    free(conn->write_buffer);
    free(conn);
}

static void serve(struct client* c, long i) {
    for (int k = 0; k < 8; ++k) {
        struct connection* conn = c->pool[(i * 8 + k) % c->opened];
        conn->served++;
        conn->write_buffer[(i + k) % kBuffer] = (char)k;
        c->checksum += c->routes[(size_t)(i * 7919 + k) % c->route_count];
    }
}

/* 100 ticks a second. */
static void tick(long i, double t, void* state) {
    struct client* c = state;
    if (c->opened < kPool) {
        if (i % 4 == 0) c->pool[c->opened++] = conn_open(c); /* 25 connections a second */
    } else if (i % 5 == 0) {
        const int slot = (int)((i / 5) % kPool); /* recycle one connection every 50 ms */
        conn_close(c, c->pool[slot]);
        c->pool[slot] = conn_open(c);
    }
    if (t >= 8.0) c->failed_over = 1;
    if (c->opened > 0) serve(c, i);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    struct client c;
    memset(&c, 0, sizeof c);
    c.route_count = 3u * 1000 * 1000; /* 12 MB */
    c.routes = malloc(c.route_count * sizeof *c.routes);
    for (size_t k = 0; k < c.route_count; ++k) c.routes[k] = (uint32_t)(k * 2246822519u);
    pattern_every(0.01, seconds, tick, &c);
    long kept = 0;
    for (struct resumption_node* n = c.resumable; n; n = n->next) ++kept;
    printf("%ld handshakes, %ld sessions kept, checksum %llu\n", c.handshakes, kept,
           (unsigned long long)(c.checksum % 1000));
    return 0;
}
