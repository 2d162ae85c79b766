/* A warm-up outside the heap that takes a third of the run (written in session 18 as a held-out
 * check, never tuned on): the flight recorder of a market-data gateway in C. At start it maps a
 * 32 MiB ring with mmap (anonymous, MAP_NORESERVE: nothing is resident yet) and appends every
 * decoded market-data event to it as a record (a 24-byte header and a 40-472 byte body), ~5.2 MB a
 * second, so that the last few seconds can be dumped after an incident. A page becomes resident the
 * first time the write head reaches it: RSS climbs in a straight line for the first ~6.4 s, until the
 * head wraps, and from then on the head only overwrites pages that are already resident.
 * A snapshot thread copies the newest 256 KiB of the ring into a malloc'd buffer every 2 s, "ships"
 * it (a checksum here) and frees it: a small, short bump in the heap. The decoder's own state (the
 * order books of 8 venues, 12.6 MB) is allocated and written at start.
 * Truth: not a leak: a warm-up of 32 MiB (33.5 MB) outside the malloc heap over the first ~6.4 s (a
 * straight line, not a curve that slows down), then flat for the rest of an 18 s run. The heap is
 * flat from the start but for the 256 KiB snapshot every 2 s. The ring is mapped in
 * flight_recorder_open.
 * Measured (session 18, a plain run without leakscope: RSS, and glibc's mallinfo2 every 100 ms): RSS
 * ~15 MB once the books are written (0.3 s), +5.25 MB/s over 0.5-6 s, 48.03 MB from 6.5 s to the
 * end (0 B/s over 7-18 s); heap 12.6 MB from 0.3 s on (the snapshots are too short for 100 ms
 * samples); 333,000 events, 93 MB recorded, 2.8 laps of the ring.
 * Usage: c_flight_recorder_mmap_ring_warmup SECONDS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "pacing.h"
#include "mix.h"

#define RING_BYTES (32u << 20)
#define SNAPSHOT_BYTES (256u << 10)
#define BOOK_LEVELS 65536
#define VENUES 8

struct record_header {
    uint64_t sequence;
    uint64_t timestamp_ns;
    uint32_t type;
    uint32_t length;
};

struct flight_recorder {
    unsigned char* ring;
    uint64_t head;  /* bytes written since start; the ring offset is head % RING_BYTES */
    pthread_mutex_t lock;
};

struct book_level {
    int64_t price;
    int64_t quantity;
    uint32_t orders;
    uint32_t flags;
};

struct gateway {
    struct flight_recorder recorder;
    struct book_level* book;
    uint64_t sequence;
    volatile int stopping;
    uint64_t snapshots, shipped_checksum;
};

__attribute__((noinline)) static int flight_recorder_open(struct flight_recorder* recorder) {
    void* ring = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ring == MAP_FAILED) return -1;
    recorder->ring = ring;
    recorder->head = 0;
    pthread_mutex_init(&recorder->lock, NULL);
    return 0;
}

/* Appends one record; a record that would cross the ring's end is split across it. */
static void flight_recorder_append(struct flight_recorder* recorder, const struct record_header* header,
                                   const void* body) {
    pthread_mutex_lock(&recorder->lock);
    const unsigned char* parts[2] = {(const unsigned char*)header, body};
    const size_t lengths[2] = {sizeof *header, header->length};
    for (int p = 0; p < 2; ++p) {
        size_t done = 0;
        while (done < lengths[p]) {
            const size_t at = recorder->head % RING_BYTES;
            size_t n = lengths[p] - done;
            if (n > RING_BYTES - at) n = RING_BYTES - at;
            memcpy(recorder->ring + at, parts[p] + done, n);
            recorder->head += n;
            done += n;
        }
    }
    pthread_mutex_unlock(&recorder->lock);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One 20 ms tick of the feed: 370 events, each applied to the book and recorded. */
static void decode_feed(long tick, double t, void* arg) {
    (void)t;
    struct gateway* g = arg;
    unsigned char body[512];
    for (int k = 0; k < 370; ++k) {
        const uint64_t h = mix((uint64_t)tick * 1000 + (uint64_t)k);
        struct book_level* level = &g->book[h % (BOOK_LEVELS * VENUES)];
        level->price = (int64_t)(h >> 20) % 100000;
        level->quantity += (int64_t)(h % 200) - 100;
        level->orders = (uint32_t)(h >> 40) % 64;
        struct record_header header = {++g->sequence, now_ns(), (uint32_t)(h % 7), 40 + (uint32_t)(h >> 8) % 433};
        memset(body, (int)(h & 0xff) | 1, header.length);
        memcpy(body, level, sizeof *level);
        flight_recorder_append(&g->recorder, &header, body);
    }
}

static void* snapshot_loop(void* arg) {
    struct gateway* g = arg;
    const struct timespec period = {2, 0};
    while (!g->stopping) {
        nanosleep(&period, NULL);
        unsigned char* snapshot = malloc(SNAPSHOT_BYTES);
        pthread_mutex_lock(&g->recorder.lock);
        const uint64_t head = g->recorder.head;
        for (size_t i = 0; i < SNAPSHOT_BYTES; ++i)
            snapshot[i] = g->recorder.ring[(head + RING_BYTES - SNAPSHOT_BYTES + i) % RING_BYTES];
        pthread_mutex_unlock(&g->recorder.lock);
        uint64_t checksum = 0;
        for (size_t i = 0; i < SNAPSHOT_BYTES; i += 8) checksum = mix(checksum ^ snapshot[i]);
        g->shipped_checksum ^= checksum;
        ++g->snapshots;
        free(snapshot);
    }
    return NULL;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    static struct gateway g;
    if (flight_recorder_open(&g.recorder) != 0) {
        perror("mmap");
        return 1;
    }
    g.book = malloc(sizeof(struct book_level) * BOOK_LEVELS * VENUES);
    for (size_t i = 0; i < (size_t)BOOK_LEVELS * VENUES; ++i) g.book[i] = (struct book_level){0, 0, 0, 1};
    pthread_t snapshotter;
    pthread_create(&snapshotter, NULL, snapshot_loop, &g);

    pattern_every(0.02, seconds, decode_feed, &g);

    g.stopping = 1;
    pthread_join(snapshotter, NULL);
    fprintf(stderr, "%llu events, %.1f MB recorded (%.1f laps of the ring), %llu snapshots shipped\n",
            (unsigned long long)g.sequence, g.recorder.head / 1e6, (double)g.recorder.head / RING_BYTES,
            (unsigned long long)g.snapshots);
    return 0;
}
