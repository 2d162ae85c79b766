/* A flat C worker pool with per-request arenas of mixed sizes, under jemalloc (run with LD_PRELOAD of
 * Debian's libjemalloc2, see the manifest; written in session 24, batch 8, as a held-out check, never
 * tuned on): the gRPC front end of a document conversion service. At start it registers its services:
 * 600 method descriptors (~4 kB each, their field tables). Four worker threads each take one request
 * every 10 ms (400 a second): the frame is read into a buffer malloc'd at its length (1-8 KiB for 70%
 * of the requests, 8-128 KiB for 25%, 128 KiB-1.5 MiB for 5%), decoded into a per-request arena (a
 * chain of blocks, the first 8 KiB, each next one twice the last up to 256 KiB, the decoded fields
 * bump-allocated from them, ~1.3 times the frame), passed to the converter backend (a 2-6 ms call with
 * everything still held), and the response encoded into a buffer grown by realloc as it is written
 * (a third to the whole of the request). Then the frame, the arena's blocks and the response are freed:
 * nothing outlives its request.
 * Truth: not a leak: flat from the first requests. The live heap is the descriptors (~2.5 MB) and the
 * four requests in flight (0.1 to ~8 MB, moving every few milliseconds), with no trend. jemalloc keeps
 * the pages of freed large extents (16 KiB and up) dirty and purges them only as they age (its decay,
 * 10 s by default), and each thread caches small blocks: RSS climbs for the first seconds while the
 * dirty pages pile up, then levels off, though the heap never grew; a warm-up is an honest reading.
 * Measured (session 24, tests/accuracy/measure.py): tracked, live heap 2.41 MB from 0.2 s to the end
 * (-33 kB/s over 3-13 s; a few samples catch requests in flight, up to 7.3 MB), RSS 21.6 MB at 0.1 s,
 * 40.6 at 2 s, 37.5-41.0 MB until 9 s, then 25.5-35.5 MB as jemalloc purges and the big frames come
 * back (-1.26 MB/s over 3-13 s); --plain, RSS 19.6 MB at 0.1 s, 38.1 at 2 s, 35.0-39.5 MB until 8 s,
 * then 25.0-32.6 MB (-1.23 MB/s over 3-13 s, -0.10 MB/s over 9-16 s); 6,400 requests, 413 MB of
 * frames (65 kB on average), 273 MB of responses, 14,645 arena blocks.
 * Usage: c_jemalloc_grpc_decode_arena_flat SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mix.h"
#include "pacing.h"

enum { kWorkers = 4, kMethods = 600, kFirstBlock = 8 * 1024, kMaxBlock = 256 * 1024 };

struct field_info {
    char name[48];
    int number;
    int type;
};

struct method_descriptor {
    char full_name[128];
    struct field_info* fields;
    int field_count;
};

struct arena_block {
    struct arena_block* previous;
    size_t size, used;
    char data[];
};

/* A per-request arena: blocks chained and freed together when the request ends. */
struct arena {
    struct arena_block* head;
    size_t next_size;
    size_t blocks;
};

static void* arena_alloc(struct arena* a, size_t n) {
    n = (n + 7) & ~(size_t)7;
    if (!a->head || a->head->used + n > a->head->size) {
        size_t size = a->next_size ? a->next_size : kFirstBlock;
        while (size < n) size *= 2;
        struct arena_block* block = malloc(sizeof *block + size);
        block->previous = a->head;
        block->size = size;
        block->used = 0;
        a->head = block;
        a->blocks++;
        a->next_size = size * 2 > kMaxBlock ? kMaxBlock : size * 2;
    }
    void* p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static void arena_release(struct arena* a) {
    while (a->head) {
        struct arena_block* previous = a->head->previous;
        free(a->head);
        a->head = previous;
    }
    a->next_size = 0;
}

/* A decoded field: a tag, and its bytes copied into the arena. */
struct decoded_field {
    uint32_t tag;
    uint32_t length;
    const char* bytes;
};

struct service {
    struct method_descriptor methods[kMethods];
};

struct worker {
    int index;
    struct service* service;
    uint64_t requests, frame_bytes, response_bytes, arena_blocks;
};

static void register_services(struct service* s) {
    for (int m = 0; m < kMethods; ++m) {
        struct method_descriptor* d = &s->methods[m];
        const uint64_t h = mix((uint64_t)m);
        snprintf(d->full_name, sizeof d->full_name, "docs.convert.v%d.Converter%d/Convert%s", (int)(h % 3) + 1,
                 m / 20, (h >> 8) % 2 ? "Stream" : "Unary");
        d->field_count = 40 + (int)(h % 60);
        d->fields = calloc((size_t)d->field_count, sizeof *d->fields);
        for (int f = 0; f < d->field_count; ++f) {
            snprintf(d->fields[f].name, sizeof d->fields[f].name, "field_%d_%llx", f,
                     (unsigned long long)(mix(h + (uint64_t)f) % 0xffffff));
            d->fields[f].number = f + 1;
            d->fields[f].type = (int)(mix(h ^ (uint64_t)f) % 18);
        }
    }
}

/* The frame's length: 1-8 KiB (70%), 8-128 KiB (25%), 128 KiB-1.5 MiB (5%). */
static size_t frame_length(uint64_t h) {
    const uint64_t roll = h % 100, r = h >> 8;
    if (roll < 70) return 1024 + r % (7 * 1024);
    if (roll < 95) return 8 * 1024 + r % (120 * 1024);
    return 128 * 1024 + r % (1408 * 1024);
}

static void handle_request(struct worker* w, uint64_t n) {
    const uint64_t h = mix(n * kWorkers + (uint64_t)w->index);
    const struct method_descriptor* method = &w->service->methods[h % kMethods];
    const size_t length = frame_length(h);
    char* frame = malloc(length);
    for (size_t at = 0; at < length; at += 8) {
        const uint64_t word = mix(h + at);
        memcpy(frame + at, &word, length - at < 8 ? length - at : 8);
    }
    w->frame_bytes += length;

    /* Decode: the fields are copied out of the frame into the arena, strings and nested messages
     * alike, with an index of them; unknown fields are kept too (proto3 keeps them). */
    struct arena arena = {0};
    size_t capacity = 64, count = 0;
    struct decoded_field* fields = arena_alloc(&arena, capacity * sizeof *fields);
    for (size_t at = 0; at < length;) {
        const uint64_t f = mix(h ^ at);
        const uint32_t field_length = (uint32_t)(16 + f % 240);
        const uint32_t take = at + field_length > length ? (uint32_t)(length - at) : field_length;
        if (count == capacity) {
            struct decoded_field* grown = arena_alloc(&arena, 2 * capacity * sizeof *grown);
            memcpy(grown, fields, count * sizeof *fields);
            fields = grown;
            capacity *= 2;
        }
        char* copy = arena_alloc(&arena, take);
        memcpy(copy, frame + at, take);
        fields[count++] = (struct decoded_field){(uint32_t)method->fields[f % (uint64_t)method->field_count].number,
                                                 take, copy};
        at += take;
    }
    w->arena_blocks += arena.blocks;

    /* The converter backend, with the frame and the decoded request still held. */
    const struct timespec call = {0, (long)(2 + h % 5) * 1000000L};
    nanosleep(&call, NULL);

    /* Encode the response: a third to the whole of the request, grown as it is written. */
    const size_t response_target = length / 3 + (size_t)((h >> 20) % (length - length / 3 + 1));
    size_t response_capacity = 4096, response_length = 0;
    char* response = malloc(response_capacity);
    for (size_t i = 0; response_length < response_target; i = (i + 1) % count) {
        const size_t add = fields[i].length + 6;
        if (response_length + add > response_capacity) {
            while (response_length + add > response_capacity) response_capacity *= 2;
            response = realloc(response, response_capacity);
        }
        memcpy(response + response_length, &fields[i].tag, 4);
        memcpy(response + response_length + 4, &fields[i].length, 2);
        memcpy(response + response_length + 6, fields[i].bytes, fields[i].length);
        response_length += add;
    }
    w->response_bytes += response_length;
    free(response);
    arena_release(&arena);
    free(frame);
    w->requests++;
}

static void worker_tick(long i, double t, void* state) {
    (void)t;
    handle_request(state, (uint64_t)i);
}

static double g_seconds;

static void* worker_main(void* arg) {
    pattern_every(0.01, g_seconds, worker_tick, arg);
    return NULL;
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    static struct service service;
    register_services(&service);
    pthread_t threads[kWorkers];
    static struct worker workers[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        workers[w] = (struct worker){.index = w, .service = &service};
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    }
    uint64_t requests = 0, frames = 0, responses = 0, blocks = 0;
    for (int w = 0; w < kWorkers; ++w) {
        pthread_join(threads[w], NULL);
        requests += workers[w].requests;
        frames += workers[w].frame_bytes;
        responses += workers[w].response_bytes;
        blocks += workers[w].arena_blocks;
    }
    fprintf(stderr, "%llu requests, %.1f MB of frames, %.1f MB of responses, %llu arena blocks\n",
            (unsigned long long)requests, (double)frames / 1e6, (double)responses / 1e6, (unsigned long long)blocks);
    return 0;
}
