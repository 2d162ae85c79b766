/* A flat C pipeline on four threads whose RSS glibc's arenas and mmap threshold make hard to read
 * (written in session 25, batch 9, as a held-out check, never tuned on): the agent of a deduplicating
 * backup service, taking a file server's nightly incremental backup. At start it loads the fingerprint
 * cache of the last backup (a direct-mapped table of 600,000 chunk fingerprints, ~19 MB, full from the
 * start: a new fingerprint overwrites its slot). A walker thread queues 30 changed files a second (64 KiB-4
 * MiB, log-uniform) into a bounded queue of 16; four workers each take one every 100 ms at most: read the file
 * into a buffer malloc'd at its size, cut it into content-defined chunks (a gear rolling hash, 16-256
 * KiB, ~64 KiB on average), fingerprint each chunk and look it up; an unseen chunk (about a third of them:
 * the files' changed stretches, and each base document's first copy) is compressed into a buffer malloc'd at its bound and uploaded, and its
 * fingerprint takes its slot. The file's chunk list (grown by realloc) goes into the backup's manifest,
 * which a flusher writes out and empties every second. Every buffer is freed when its file is done.
 * Truth: not a leak: the live heap is the fingerprint cache (the warm-up of the first ~0.2 s) and the
 * files in flight (0-20 MB, moving every few milliseconds), with no trend. RSS is another story: glibc
 * serves the first big buffers by mmap and frees them to the kernel, but each free of an mmapped block
 * raises the mmap threshold to its size (up to 32 MiB), so the later ones come from the four threads'
 * arenas, whose heaps grow to the peaks of what their thread held at once and are trimmed only when
 * their top is free: RSS climbs for the first seconds and then wanders on a plateau, though the heap
 * never grew.
 * Measured (session 25, tests/accuracy/measure.py): tracked, live heap 19.20 MB at 0.1 s, 19.21-19.25 MB
 * to the end (+0.5 kB/s over 3-13 s, -0.5 kB/s over 9-16 s; the files in flight are seldom caught by a
 * sample), RSS 27.8 MB at 1 s, 36.2 at 3 s, 38.5 from 9 s to the end (+142 kB/s over 3-13 s, 0 over 9-16
 * s); --plain, RSS 25.3 MB at 1 s, 35.4 at 3 s, 38.3 from ~8 s to the end (+182 kB/s over 3-13 s, +429
 * over 3-9 s, 0 over 9-16 s); another --plain run, RSS 36.5 MB at 3 s, 39.4 at 9 s, 40.2 at 16 s (+323
 * kB/s over 3-13 s, +105 over 9-16 s: how far the arenas climb varies with the threads' timing); 478
 * files, 458 MB read, 5,964 chunks (1,669 new).
 * Usage: c_backup_chunker_arena_flat SECONDS */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kWorkers = 4, kQueue = 16, kCacheSlots = 600000, kMinChunk = 16 * 1024, kMaxChunk = 256 * 1024 };
#define kChunkMask ((1ull << 16) - 1) /* ~64 KiB between boundaries past the minimum */

struct fingerprint {
    uint64_t hash[3];      /* a 192-bit digest, as the service's store names chunks */
    uint32_t length;
    uint32_t pack_id;
};

struct chunk_ref {
    uint64_t hash0;
    uint32_t offset, length;
};

struct file_job {
    uint64_t id;
    size_t size;
    char path[160];
};

/* The walker's queue: bounded, so the walker waits when the workers are behind. */
struct job_queue {
    pthread_mutex_t mutex;
    pthread_cond_t not_full;
    struct file_job jobs[kQueue];
    int head, count;
};

struct manifest {
    pthread_mutex_t mutex;
    char* text;
    size_t length, capacity;
    uint64_t flushed_bytes, flushes;
};

struct worker {
    int index;
    uint64_t files, bytes, chunks, new_chunks, uploaded_bytes;
};

static struct fingerprint* g_cache;
static pthread_mutex_t g_cache_mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_gear[256];
static struct job_queue g_queue = {.mutex = PTHREAD_MUTEX_INITIALIZER, .not_full = PTHREAD_COND_INITIALIZER};
static struct manifest g_manifest = {.mutex = PTHREAD_MUTEX_INITIALIZER};
static double g_seconds;

static void load_cache(void) {
    g_cache = malloc(kCacheSlots * sizeof *g_cache);
    for (uint64_t s = 0; s < kCacheSlots; ++s)
        g_cache[s] = (struct fingerprint){{mix(s), mix(s + 1), mix(s + 2)}, 65536, (uint32_t)(s / 4096)};
    for (int g = 0; g < 256; ++g) g_gear[g] = mix((uint64_t)g * 0x9e37 + 11);
}

/* The file's bytes: mostly content the store already has (the same 40 base documents, revised), with
 * changed stretches of 256 KiB, one in eight. */
static void read_file(const struct file_job* job, unsigned char* buffer) {
    for (size_t at = 0; at < job->size; at += 8) {
        const int changed = mix(job->id * 131 + at / (256 * 1024)) % 8 == 0;
        const uint64_t word = mix((changed ? (job->id + 1) << 24 : job->id % 40) + at);
        memcpy(buffer + at, &word, job->size - at < 8 ? job->size - at : 8);
    }
}

/* A run-length-ish compressor standing in for zstd: what matters is the buffer at its bound. */
static size_t compress_chunk(const unsigned char* in, size_t n, unsigned char* out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && run < 255 && in[i + run] == in[i]) ++run;
        out[o++] = (unsigned char)run;
        out[o++] = in[i];
        i += run;
    }
    return o;
}

static void manifest_append(const struct file_job* job, const struct chunk_ref* refs, size_t count) {
    pthread_mutex_lock(&g_manifest.mutex);
    const size_t need = g_manifest.length + 200 + count * 40;
    if (need > g_manifest.capacity) {
        g_manifest.capacity = need * 2;
        g_manifest.text = realloc(g_manifest.text, g_manifest.capacity);
    }
    g_manifest.length += (size_t)sprintf(g_manifest.text + g_manifest.length, "%s size=%zu chunks=%zu\n",
                                         job->path, job->size, count);
    for (size_t c = 0; c < count; ++c)
        g_manifest.length += (size_t)sprintf(g_manifest.text + g_manifest.length, " %016llx@%u+%u\n",
                                             (unsigned long long)refs[c].hash0, refs[c].offset, refs[c].length);
    pthread_mutex_unlock(&g_manifest.mutex);
}

static void back_up(struct worker* w, const struct file_job* job) {
    unsigned char* buffer = malloc(job->size);
    read_file(job, buffer);
    size_t capacity = 8, count = 0;
    struct chunk_ref* refs = malloc(capacity * sizeof *refs);
    for (size_t start = 0; start < job->size;) {
        /* Content-defined boundary: the gear hash's low bits all zero, past the minimum length. */
        uint64_t rolling = 0;
        size_t end = start + kMinChunk;
        if (end > job->size) end = job->size;
        while (end < job->size && end - start < kMaxChunk) {
            rolling = (rolling << 1) + g_gear[buffer[end]];
            ++end;
            if ((rolling & kChunkMask) == 0) break;
        }
        const size_t length = end - start;
        uint64_t digest = 0xcbf29ce484222325ull;
        for (size_t i = start; i < end; i += 64) digest = (digest ^ buffer[i]) * 0x100000001b3ull ^ mix(digest + length);
        const uint64_t slot = digest % kCacheSlots;
        pthread_mutex_lock(&g_cache_mutex);
        const int seen = g_cache[slot].hash[0] == digest;
        if (!seen) g_cache[slot] = (struct fingerprint){{digest, mix(digest), mix(~digest)}, (uint32_t)length, 9000};
        pthread_mutex_unlock(&g_cache_mutex);
        if (!seen) {
            unsigned char* packed = malloc(2 * length + 64);
            w->uploaded_bytes += compress_chunk(buffer + start, length, packed);
            free(packed);
            w->new_chunks++;
        }
        if (count == capacity) {
            capacity *= 2;
            refs = realloc(refs, capacity * sizeof *refs);
        }
        refs[count++] = (struct chunk_ref){digest, (uint32_t)start, (uint32_t)length};
        start = end;
    }
    manifest_append(job, refs, count);
    w->chunks += count;
    w->bytes += job->size;
    w->files++;
    free(refs);
    free(buffer);
}

/* The next queued file, if any: a worker with nothing to do waits for its next tick. */
static int take_job(struct file_job* job) {
    pthread_mutex_lock(&g_queue.mutex);
    const int got = g_queue.count > 0;
    if (got) {
        *job = g_queue.jobs[g_queue.head];
        g_queue.head = (g_queue.head + 1) % kQueue;
        g_queue.count--;
        pthread_cond_signal(&g_queue.not_full);
    }
    pthread_mutex_unlock(&g_queue.mutex);
    return got;
}

static void worker_tick(long i, double t, void* state) {
    (void)i;
    (void)t;
    struct file_job job;
    if (take_job(&job)) back_up(state, &job);
}

static void* worker_main(void* arg) {
    pattern_every(0.1, g_seconds, worker_tick, arg);
    return NULL;
}

/* The walker: 30 changed files a second (the workers can take 40), sizes log-uniform over 64 KiB-6 MiB. */
static void walker_tick(long i, double t, void* state) {
    (void)t;
    (void)state;
    {
        const uint64_t n = (uint64_t)i;
        const uint64_t h = mix(n + 0xbacc);
        struct file_job job = {.id = n};
        const double log_size = 16.0 + (double)(h % 10000) / 10000.0 * 6.0; /* 2^16 .. 2^22 */
        job.size = (size_t)exp2(log_size);
        snprintf(job.path, sizeof job.path, "/srv/share/projects/%llu/documents/%s/%llu.%s",
                 (unsigned long long)(h % 300), h % 2 ? "drawings" : "reports", (unsigned long long)n,
                 h % 3 ? "pdf" : "dwg");
        pthread_mutex_lock(&g_queue.mutex);
        while (g_queue.count == kQueue) pthread_cond_wait(&g_queue.not_full, &g_queue.mutex);
        g_queue.jobs[(g_queue.head + g_queue.count) % kQueue] = job;
        g_queue.count++;
        pthread_mutex_unlock(&g_queue.mutex);
    }
}

static void* walker_main(void* arg) {
    (void)arg;
    pattern_every(1.0 / 30, g_seconds, walker_tick, NULL);
    return NULL;
}

/* The flusher, every second: the manifest's text goes to the backup store and the buffer is emptied. */
static void flush_tick(long i, double t, void* state) {
    (void)i;
    (void)t;
    FILE* out = state;
    pthread_mutex_lock(&g_manifest.mutex);
    fwrite(g_manifest.text, 1, g_manifest.length, out);
    g_manifest.flushed_bytes += g_manifest.length;
    g_manifest.flushes++;
    free(g_manifest.text);
    g_manifest.text = NULL;
    g_manifest.length = g_manifest.capacity = 0;
    pthread_mutex_unlock(&g_manifest.mutex);
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    load_cache();
    FILE* store = fopen("/dev/null", "w");
    pthread_t walker, threads[kWorkers];
    static struct worker workers[kWorkers];
    pthread_create(&walker, NULL, walker_main, NULL);
    for (int w = 0; w < kWorkers; ++w) {
        workers[w].index = w;
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    }
    pattern_every(1.0, g_seconds, flush_tick, store);
    pthread_join(walker, NULL);
    uint64_t files = 0, bytes = 0, chunks = 0, new_chunks = 0, uploaded = 0;
    for (int w = 0; w < kWorkers; ++w) {
        pthread_join(threads[w], NULL);
        files += workers[w].files;
        bytes += workers[w].bytes;
        chunks += workers[w].chunks;
        new_chunks += workers[w].new_chunks;
        uploaded += workers[w].uploaded_bytes;
    }
    fprintf(stderr, "%llu files, %.1f MB read, %llu chunks (%llu new, %.1f MB uploaded); manifest %.1f MB in %llu flushes\n",
            (unsigned long long)files, (double)bytes / 1e6, (unsigned long long)chunks, (unsigned long long)new_chunks,
            (double)uploaded / 1e6, (double)g_manifest.flushed_bytes / 1e6, (unsigned long long)g_manifest.flushes);
    fclose(store);
    return 0;
}
