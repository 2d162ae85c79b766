/* A flat heap under glibc whose RSS creeps by pages (written in session 13 as a held-out check, never
 * tuned on): a C message gateway gives each of its 1,000 connection slots a 32 KiB receive buffer,
 * malloc'd when the slot is opened; 20 slots a second are closed and reopened (free, then malloc of
 * the same size, which glibc serves from the chunk just freed). 1,000 messages a second arrive, each
 * copied into its slot's buffer from the start; their lengths are heavy-tailed (most are a few
 * hundred bytes, a rare one fills the buffer: P(length > x) = (128 / x)^1.7). A buffer's pages become
 * resident only when a message first reaches that deep into it (the buffers do not start on page
 * boundaries, so the first boundary is ~2 kB in on average), so RSS creeps by ~15 pages a second,
 * hardly slowing over the run, toward the 32 MB the buffers span, while the live heap is exactly the
 * same from the first second to the last.
 * Truth: not a leak. The program holds 1,000 x 32 KiB (+ a 4 MB routing table) from start to end: the
 * live heap is flat (stable; a warm-up then flat is honest too). The creep is pages of memory already
 * allocated being touched for the first time, bounded by the buffers' size; from RSS alone it looks
 * like a slow leak of ~60 kB/s that would need minutes more to see bend, so "undecided" is honest too.
 * Measured (tests/accuracy/measure.py, session 13): live heap 37.04 MB from 1 s to the end (slope 0);
 * RSS 13.07 -> 14.12 MB, +68 kB/s over 3-13 s, +61 kB/s over 8-15 s. Alone, without leakscope, VmRSS
 * went 10.29 -> 11.30 MB over 1-15 s; the program counted 1,322 buffer pages reached by messages at the
 * end (~1,000 of them the first page of each buffer) and no reopened buffer that moved.
 * Usage: c_recv_buffer_page_creep_flat SECONDS */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define SLOTS 1000
#define BUFFER_BYTES (32 * 1024)
#define ROUTES 32768

struct slot {
    unsigned char* buffer;
    uint64_t messages;
    size_t deepest;
};

struct gateway {
    struct slot slots[SLOTS];
    unsigned char (*routes)[128];
    unsigned char wire[BUFFER_BYTES];
    uint64_t rng;
    uint64_t delivered;
    uint64_t moved; /* reopened slots whose new buffer is not the chunk just freed */
};

static uint64_t next_random(struct gateway* g) {
    g->rng ^= g->rng << 13;
    g->rng ^= g->rng >> 7;
    g->rng ^= g->rng << 17;
    return g->rng;
}

static void open_slot(struct slot* s, uint64_t* moved) {
    unsigned char* old = s->buffer;
    s->buffer = malloc(BUFFER_BYTES);
    if (s->buffer != old) { /* a buffer somewhere else: count its pages afresh */
        s->deepest = 0;
        if (old) ++*moved;
    }
    s->messages = 0;
}

/* Pages of the slot's buffer that messages have reached (the buffer need not start on a page). */
static size_t pages_reached(const struct slot* s) {
    if (s->deepest == 0) return 0;
    const uintptr_t first = (uintptr_t)s->buffer / 4096, last = ((uintptr_t)s->buffer + s->deepest - 1) / 4096;
    return (size_t)(last - first + 1);
}

/* A message's length: Pareto with a 128-byte minimum and tail index 1.7, capped at the buffer. */
static size_t message_length(struct gateway* g) {
    const double u = ((double)(next_random(g) % 1000000) + 0.5) / 1e6;
    const double length = 128.0 * pow(u, -1.0 / 1.7);
    return length >= BUFFER_BYTES ? BUFFER_BYTES : (size_t)length;
}

static void receive(struct gateway* g, uint64_t n) {
    struct slot* s = &g->slots[next_random(g) % SLOTS];
    const size_t length = message_length(g);
    memcpy(s->buffer, g->wire, length);
    if (length > s->deepest) s->deepest = length;
    ++s->messages;
    g->delivered += g->routes[(s->buffer[0] + n) % ROUTES][n % 128] != 0;
}

static void tick(long i, double t, void* state) {
    (void)t;
    struct gateway* g = state;
    /* 100 ticks a second: 10 messages, and every fifth tick a slot closed and reopened. */
    for (int k = 0; k < 10; ++k) receive(g, (uint64_t)i * 10 + (uint64_t)k);
    if (i % 5 == 0) {
        struct slot* s = &g->slots[next_random(g) % SLOTS];
        free(s->buffer);
        open_slot(s, &g->moved);
    }
}

int main(int argc, char** argv) {
    static struct gateway g;
    g.rng = 0xd1b54a32d192ed03ull;
    memset(g.wire, 'w', sizeof g.wire);
    g.routes = malloc(sizeof *g.routes * ROUTES);
    memset(g.routes, 1, sizeof *g.routes * ROUTES);
    for (int k = 0; k < SLOTS; ++k) open_slot(&g.slots[k], &g.moved);
    pattern_every(0.01, pattern_run_seconds(argc, argv, 16), tick, &g);
    size_t reached = 0;
    for (int k = 0; k < SLOTS; ++k) reached += pages_reached(&g.slots[k]);
    fprintf(stderr, "%llu messages; messages reached %zu pages of the buffers (%zu kB); %llu reopened buffers moved\n",
            (unsigned long long)g.delivered, reached, reached * 4, (unsigned long long)g.moved);
    for (int k = 0; k < SLOTS; ++k) free(g.slots[k].buffer);
    free(g.routes);
    return 0;
}
