/* A leak through thread-specific data without a destructor (written in session 14 as a held-out
 * check, never tuned on): an image pipeline in C converts 10 batches a second; each batch is split
 * between two short-lived threads (created, then joined), which call into a colour-conversion
 * library. The library keeps a per-thread scratch state (a 256-byte context and a 24 KiB row buffer)
 * behind a pthread key created with no destructor, "since threads live as long as the process": every
 * thread that exits drops its state, unreachable.
 * Truth: a leak, linear, from the start: 20 threads a second, each dropping 24,576 + 256 B asked of
 * malloc (from the thread's malloc arena): ~497 kB/s, ~7.9 MB over a 16 s run on ~13 MB (the 12 MB
 * colour lookup table loaded at start): ~36% of the process at the end. The thread stacks are given
 * back at each join (glibc caches and reuses them), so they do not grow. All of it is allocated in
 * codec_scratch, and all of it is written (each row is converted over its full 24 KiB), so RSS grows
 * with it.
 * Measured (tests/accuracy/measure.py, session 14): live heap +497 kB/s over 3-13 s and 5-15 s (12.8 ->
 * 20.6 MB over the run), RSS +497 kB/s (tracked 18.9 -> 23.8 MB over 3-13 s; --no-track 15.8 ->
 * 20.7 MB, 22.2 MB at the end).
 * Usage: c_tls_scratch_key_leak SECONDS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define ROW_BYTES 24576
#define LUT_ENTRIES (3u * 1024u * 1024u)

/* --- the colour-conversion library --- */

struct codec_context {
    uint32_t rows_done;
    uint32_t flags;
    unsigned char* row;
    unsigned char reserved[240];
};

static pthread_key_t codec_key;
static pthread_once_t codec_once = PTHREAD_ONCE_INIT;
static const uint32_t* codec_lut;

static void codec_make_key(void) { pthread_key_create(&codec_key, NULL); /* no destructor: the leak */ }

__attribute__((noinline)) static struct codec_context* codec_scratch(void) {
    pthread_once(&codec_once, codec_make_key);
    struct codec_context* c = pthread_getspecific(codec_key);
    if (!c) {
        c = calloc(1, sizeof *c);
        c->row = malloc(ROW_BYTES);
        memset(c->row, 0, ROW_BYTES);
        pthread_setspecific(codec_key, c);
    }
    return c;
}

static uint64_t codec_convert_rows(const unsigned char* pixels, size_t rows, size_t row_bytes) {
    struct codec_context* c = codec_scratch();
    uint64_t sum = 0;
    for (size_t r = 0; r < rows; ++r) {
        const size_t n = row_bytes < ROW_BYTES ? row_bytes : ROW_BYTES;
        for (size_t b = 0; b < n; b += 4) {
            const uint32_t rgb = codec_lut[(pixels[(r * 131 + b) % 65536] * 65599u + b) % LUT_ENTRIES];
            memcpy(c->row + b, &rgb, 4);
        }
        sum += c->row[r % n];
        ++c->rows_done;
    }
    return sum;
}

/* --- the pipeline --- */

struct half_batch {
    const unsigned char* pixels;
    size_t rows;
    uint64_t checksum;
};

static void* convert_half(void* arg) {
    struct half_batch* h = arg;
    h->checksum = codec_convert_rows(h->pixels, h->rows, ROW_BYTES);
    return NULL;
}

struct pipeline {
    unsigned char* pixels;
    uint64_t batches, threads, checksum;
};

static void tick(long i, double t, void* state) {
    (void)t;
    struct pipeline* p = state;
    struct half_batch halves[2] = {{p->pixels, 16 + (size_t)(i % 8), 0}, {p->pixels + 4096, 16 + (size_t)(i % 5), 0}};
    pthread_t threads[2];
    for (int k = 0; k < 2; ++k) pthread_create(&threads[k], NULL, convert_half, &halves[k]);
    for (int k = 0; k < 2; ++k) {
        pthread_join(threads[k], NULL);
        p->checksum += halves[k].checksum;
    }
    p->threads += 2;
    ++p->batches;
}

int main(int argc, char** argv) {
    uint32_t* lut = malloc(sizeof *lut * LUT_ENTRIES);
    for (uint32_t k = 0; k < LUT_ENTRIES; ++k) lut[k] = k * 2654435761u;
    codec_lut = lut;
    struct pipeline p = {0};
    p.pixels = malloc(65536 + 4096);
    for (size_t k = 0; k < 65536 + 4096; ++k) p.pixels[k] = (unsigned char)(k * 7);
    pattern_every(0.1, pattern_run_seconds(argc, argv, 16), tick, &p);
    fprintf(stderr, "%llu batches, %llu threads, %llu bytes of scratch dropped, checksum %llx\n",
            (unsigned long long)p.batches, (unsigned long long)p.threads,
            (unsigned long long)(p.threads * (ROW_BYTES + sizeof(struct codec_context))),
            (unsigned long long)p.checksum);
    free(p.pixels);
    free(lut);
    return 0;
}
