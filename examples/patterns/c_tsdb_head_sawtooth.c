/* A sawtooth that is not a leak (written in session 9 as a held-out check, never tuned on): the head
 * block of a C time-series store. 2,000 series take 100,000 samples a second (50 a second each, in
 * 10 ms ticks); each series appends its (timestamp, value) samples, 16 bytes each, to its own chunk
 * buffer, grown with realloc by doubling from 64 bytes. Every 3 s the head is cut: every series'
 * samples are delta-encoded into one block buffer (malloc'd for the cut), the block is "written" (a
 * checksum stands for the disk), then the block and every chunk buffer are freed and the series start
 * again from nothing. The series index (names and label strings) is built at start and stays.
 * Truth: not a leak: a sawtooth of the live heap, ~8 MB teeth (2,000 chunks that reach 4 KiB each,
 * 150 samples x 16 B plus their doubling slack, and a ~2.4 MB block at the cut) every 3 s over a flat
 * floor; the chunks of all series double together, so each tooth rises in steps. Measured under
 * leakscope run: the live heap 0.88, 1.39, 2.41, 4.46, 8.56 MB through each 3 s, back to 0.88 after
 * every cut (the same five times); RSS 6.1-8.1 MB after a cut, 13.2 MB at the top of each tooth.
 * Usage: c_tsdb_head_sawtooth SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kSeries = 2000, kSamplesPerTick = 1000, kCutEveryTicks = 300 };

struct sample {
    int64_t t_ms;
    double value;
};

struct series {
    char* name;
    char* labels;
    struct sample* chunk;
    size_t count, capacity;
};

struct head {
    struct series series[kSeries];
    uint64_t blocks, samples, written;
};

__attribute__((noinline)) static void append(struct series* s, int64_t t_ms, double value) {
    if (s->count == s->capacity) {
        s->capacity = s->capacity ? s->capacity * 2 : 4;  /* 4 samples = 64 bytes */
        s->chunk = realloc(s->chunk, s->capacity * sizeof *s->chunk);
        if (!s->chunk) {
            perror("realloc");
            exit(1);
        }
    }
    s->chunk[s->count++] = (struct sample){t_ms, value};
}

/* Delta-of-timestamps, xor-of-values encoding, 8 bytes a sample at most: the block for the disk. */
static uint64_t cut_block(struct head* h) {
    size_t total = 0;
    for (int k = 0; k < kSeries; ++k) total += h->series[k].count;
    unsigned char* block = malloc(total * 8 + kSeries * 16);
    size_t used = 0;
    for (int k = 0; k < kSeries; ++k) {
        struct series* s = &h->series[k];
        int64_t prev_t = 0;
        uint64_t prev_v = 0;
        for (size_t j = 0; j < s->count; ++j) {
            uint64_t v;
            memcpy(&v, &s->chunk[j].value, sizeof v);
            uint32_t dt = (uint32_t)(s->chunk[j].t_ms - prev_t);
            uint32_t dv = (uint32_t)((v ^ prev_v) >> 32);
            memcpy(block + used, &dt, 4);
            memcpy(block + used + 4, &dv, 4);
            used += 8;
            prev_t = s->chunk[j].t_ms;
            prev_v = v;
        }
        free(s->chunk);  /* the head starts again from nothing */
        s->chunk = NULL;
        s->count = s->capacity = 0;
    }
    uint64_t sum = 0;
    for (size_t k = 0; k < used; k += 64) sum += block[k];
    free(block);
    ++h->blocks;
    h->written += used;
    return sum;
}

static void tick(long i, double t, void* state) {
    struct head* h = state;
    const int64_t t_ms = (int64_t)(t * 1000);
    for (int k = 0; k < kSamplesPerTick; ++k) {
        const long n = i * kSamplesPerTick + k;
        struct series* s = &h->series[(n * 7) % kSeries];  /* each series every other tick */
        append(s, t_ms, (double)(n % 1000) * 0.5 + (double)(k % 13));
    }
    h->samples += kSamplesPerTick;
    if (i % kCutEveryTicks == kCutEveryTicks - 1) cut_block(h);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct head* h = calloc(1, sizeof *h);
    for (int k = 0; k < kSeries; ++k) {
        char text[160];
        snprintf(text, sizeof text, "node_network_receive_bytes_total_%d", k % 25);
        h->series[k].name = strdup(text);
        snprintf(text, sizeof text, "instance=\"10.1.%d.%d:9100\",job=\"node\",device=\"eth%d\",region=\"eu-west-%d\"",
                 k / 250, k % 250, k % 4, k % 3);
        h->series[k].labels = strdup(text);
    }
    pattern_every(0.01, seconds, tick, h);
    printf("%llu samples, %llu blocks cut, %llu bytes written\n", (unsigned long long)h->samples,
           (unsigned long long)h->blocks, (unsigned long long)h->written);
    return 0;
}
