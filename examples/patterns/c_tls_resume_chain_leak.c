/* A fast leak of unreachable blocks in C (written in session 13 as a held-out check, never tuned on):
 * a TLS-terminating proxy accepts 400 handshakes a second over a table of 1,024 connection slots,
 * each with 4 KiB read and write buffers recycled when a connection closes, and a bounded session
 * cache of 2,048 tickets. Every handshake copies the peer's certificate chain (1 to 3 certificates
 * of 1.1-2.3 kB, drawn per handshake) into a malloc'd chain for verification. A full handshake
 * verifies and frees it; a resumed one (9 in 20) returns early "since the ticket vouches for the
 * peer", and the slot's reset then clears the pointer: the chain and its header become unreachable.
 * Truth: a leak, linear, from the start. Per resumed handshake: a 64-byte chain header plus the
 * certificates' bytes (mean 3.4 kB); the program adds up what it drops and prints it on stderr at the
 * end: 2,544 of 5,600 handshakes resumed, 8.82 MB dropped (3,467 B each), i.e. ~630 kB/s, on a ~11 MB
 * base: ~40% of the process at the end of a 14 s run. All of it is allocated in copy_peer_chain.
 * Measured (tests/accuracy/measure.py, session 13): live heap +641 kB/s over 3-13 s (9.2 -> 17.5 MB
 * over 1-15 s), RSS +678 kB/s (13.6 -> 22.3 MB).
 * Usage: c_tls_resume_chain_leak SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define SLOTS 1024
#define TICKETS 2048
#define BUFFER_BYTES 4096

struct chain {
    int depth;
    size_t bytes;
    unsigned char* der[3];
    size_t len[3];
};

struct connection {
    unsigned char* in;
    unsigned char* out;
    struct chain* chain;
    uint64_t peer;
};

struct ticket {
    uint64_t peer;
    unsigned char secret[120];
};

struct proxy {
    struct connection slots[SLOTS];
    struct ticket* tickets;
    uint64_t rng;
    uint64_t handshakes, resumed, dropped_bytes;
};

static uint64_t next_random(struct proxy* p) {
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

/* The peer's chain as it came off the wire, one buffer per certificate. */
__attribute__((noinline)) static struct chain* copy_peer_chain(struct proxy* p, uint64_t peer) {
    struct chain* c = malloc(sizeof *c);
    c->depth = 1 + (int)(next_random(p) % 3);
    c->bytes = sizeof *c;
    for (int k = 0; k < c->depth; ++k) {
        c->len[k] = 1100 + (size_t)(next_random(p) % 1201);
        c->der[k] = malloc(c->len[k]);
        memset(c->der[k], (int)(peer + (uint64_t)k) & 0xff, c->len[k]);
        c->bytes += c->len[k];
    }
    return c;
}

static void free_chain(struct chain* c) {
    for (int k = 0; k < c->depth; ++k) free(c->der[k]);
    free(c);
}

static int verify_chain(const struct chain* c) {
    unsigned sum = 0;
    for (int k = 0; k < c->depth; ++k)
        for (size_t b = 0; b < c->len[k]; b += 64) sum += c->der[k][b];
    return sum != 1; /* every test peer verifies */
}

static void reset_slot(struct connection* s) {
    s->chain = NULL; /* the handshake path owns the chain, so the reset only forgets it */
    free(s->in);
    free(s->out);
    s->in = malloc(BUFFER_BYTES);
    s->out = malloc(BUFFER_BYTES);
    memset(s->in, 0, BUFFER_BYTES);
    memset(s->out, 0, BUFFER_BYTES);
}

static int handshake(struct proxy* p, struct connection* s, uint64_t peer) {
    s->peer = peer;
    s->chain = copy_peer_chain(p, peer);
    struct ticket* t = &p->tickets[peer % TICKETS];
    if (t->peer == peer && next_random(p) % 20 < 9) {
        /* The bug: a resumed session skips verification and returns with the chain still held. */
        ++p->resumed;
        p->dropped_bytes += s->chain->bytes;
        return 1;
    }
    const int ok = verify_chain(s->chain);
    free_chain(s->chain);
    s->chain = NULL;
    t->peer = peer;
    memset(t->secret, (int)(peer & 0xff), sizeof t->secret);
    return ok;
}

static void tick(long i, double t, void* state) {
    (void)t;
    struct proxy* p = state;
    /* 8 handshakes per 20 ms tick; a peer comes back often enough that its ticket is usually there. */
    for (int k = 0; k < 8; ++k) {
        const uint64_t n = (uint64_t)i * 8 + (uint64_t)k;
        struct connection* s = &p->slots[n % SLOTS];
        reset_slot(s);
        handshake(p, s, n % 1500);
        memcpy(s->out, s->in, 512);
        ++p->handshakes;
    }
}

int main(int argc, char** argv) {
    static struct proxy p;
    p.rng = 0x9e3779b97f4a7c15ull;
    p.tickets = calloc(TICKETS, sizeof *p.tickets);
    /* Fill every ticket once, as a proxy that has been running a while. */
    for (uint64_t peer = 0; peer < 1500; ++peer) p.tickets[peer % TICKETS].peer = peer;
    for (int k = 0; k < SLOTS; ++k) {
        p.slots[k].in = malloc(BUFFER_BYTES);
        p.slots[k].out = malloc(BUFFER_BYTES);
        memset(p.slots[k].in, 1, BUFFER_BYTES);
        memset(p.slots[k].out, 1, BUFFER_BYTES);
    }
    pattern_every(0.02, pattern_run_seconds(argc, argv, 14), tick, &p);
    fprintf(stderr, "%llu handshakes, %llu resumed, %llu bytes of chains dropped (%.0f B each)\n",
            (unsigned long long)p.handshakes, (unsigned long long)p.resumed, (unsigned long long)p.dropped_bytes,
            p.resumed ? (double)p.dropped_bytes / (double)p.resumed : 0.0);
    for (int k = 0; k < SLOTS; ++k) {
        free(p.slots[k].in);
        free(p.slots[k].out);
    }
    free(p.tickets);
    return 0;
}
