/* A bounded sawtooth under jemalloc with per-thread churn, five threads (written in session 34, batch 13, as
 * a held-out check, never tuned on): the live packager of a sports streaming service's origin. Twelve
 * channels (a broadcaster's feeds, ~4 Mbit/s of MPEG-TS each) arrive over UDP multicast; three ingest
 * threads take four channels each. Every datagram (seven 188-byte TS packets) is read into a malloc'd
 * receive buffer, its packets' headers checked and their PES headers parsed into a scratch block of 0.2-48
 * kB, both freed at once; the payload is appended to the channel's current segment, a list of 32 KiB
 * chunks. The encoders put an IDR frame every 2.4 s on every rendition, so every 2.4 s all channels cut
 * their segment together: the ingest thread hands it to the uploader thread, which PUTs it to the CDN's
 * origin storage over ~150 ms and frees it, and adds a line to the channel's playlist (the last six
 * segments' names: a bounded ring of short strings).
 * Truth: not a leak: a bounded sawtooth: the segments' chunks climb linearly to ~14.4 MB (12 channels x
 * ~500 kB/s x 2.4 s) and fall back to ~0 every 2.4 s, 6 teeth in a 16 s run, with the per-datagram buffers
 * (~4,500 a second, 1.3-9 kB and 0.2-48 kB) churned on every ingest thread across jemalloc's size classes,
 * allocated on one thread and freed on another for the chunks. Under jemalloc, RSS keeps the freed chunks'
 * dirty pages until its decay (10 s by default) returns them, so RSS rises to around the teeth's peak and
 * stays near it (a plateau) rather than following each tooth down.
 * The program prints the chunks' bytes held (its own counter) every second on stderr: 6.29 MB at 1 s, 12.20 at
 * 2 s, 3.93 at 3 s, 9.84 at 4 s, ..., 14.56 at 12 s, 6.29 at 13 s; 15.74 MB at the highest.
 * Measured (session 34, tests/accuracy/measure.py): tracked, live heap in teeth between 1.65-4.1 MB just after
 * the cuts (at 2.4, 4.8, ..., 14.4 s) and 13.1-15.4 MB at their tops (-24 kB/s over 3-13 s, +85 over 3-9 s,
 * -307 over 9-16 s: the teeth's phase), RSS 24.17 MB at 3 s, 25.18 at 10 s, 25.26 at 16 s (+113 kB/s over 3-13
 * s, +20 over 9-16 s); --plain, RSS 22.38 MB at 3 s, 22.85 at 6 s, 23.13 from 9 to 14 s, 22.86 at 16 s (+59 kB/s
 * over 3-13 s, -53 over 9-16 s); 72,948 datagrams, 72 segments uploaded (82 MB).
 * Usage: LD_PRELOAD=libjemalloc.so.2 c_jemalloc_hls_segment_packager_sawtooth SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kChannels = 12, kIngestThreads = 3, kChunk = 32768, kTsPacket = 188, kDatagram = 7 * kTsPacket,
       kPlaylistLength = 6 };

static const double kSegmentS = 2.4;
static const double kBytesPerSecond = 500000; /* ~4 Mbit/s per channel */

struct chunk {
    struct chunk* next;
    size_t used;
    unsigned char data[];
};

struct segment {
    int channel;
    long sequence;
    struct chunk* head;
    struct chunk* tail;
    size_t bytes;
    struct segment* next; /* in the upload queue */
};

struct channel {
    char name[32];
    struct segment* current;
    long sequence;
    double bytes_due; /* fractional datagrams carried over */
    uint8_t continuity[32];
    char* playlist[kPlaylistLength];
    int playlist_next;
    pthread_mutex_t playlist_lock;
};

static struct channel g_channels[kChannels];
static double g_seconds;
static atomic_long g_held_bytes, g_peak_held, g_datagrams, g_segments_uploaded, g_bytes_uploaded;

/* The uploader's queue. */
static pthread_mutex_t g_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct segment* g_queue_head;
static struct segment* g_queue_tail;

static struct segment* segment_new(int channel, long sequence) {
    struct segment* s = calloc(1, sizeof *s);
    s->channel = channel;
    s->sequence = sequence;
    return s;
}

static void segment_append(struct segment* s, const unsigned char* payload, size_t n) {
    while (n > 0) {
        if (!s->tail || s->tail->used == kChunk) {
            struct chunk* c = malloc(sizeof *c + kChunk);
            c->next = NULL;
            c->used = 0;
            if (s->tail) s->tail->next = c;
            else s->head = c;
            s->tail = c;
            const long held = atomic_fetch_add(&g_held_bytes, (long)(sizeof *c + kChunk)) + (long)(sizeof *c + kChunk);
            long peak = atomic_load(&g_peak_held);
            while (held > peak && !atomic_compare_exchange_weak(&g_peak_held, &peak, held)) {}
        }
        const size_t room = kChunk - s->tail->used;
        const size_t take = n < room ? n : room;
        memcpy(s->tail->data + s->tail->used, payload, take);
        s->tail->used += take;
        s->bytes += take;
        payload += take;
        n -= take;
    }
}

static void enqueue_upload(struct segment* s) {
    pthread_mutex_lock(&g_queue_lock);
    if (g_queue_tail) g_queue_tail->next = s;
    else g_queue_head = s;
    g_queue_tail = s;
    pthread_mutex_unlock(&g_queue_lock);
}

/* One datagram of a channel: receive, check, parse the PES header, append the payload. */
static void ingest_datagram(struct channel* ch, int index, uint64_t n) {
    const uint64_t h = mix(n ^ (uint64_t)index << 40);
    const size_t recv_size = h % 16 == 0 ? 9000 : 2048; /* jumbo-frame sized buffers now and then */
    unsigned char* buffer = malloc(recv_size);
    for (int p = 0; p < 7; ++p) {
        unsigned char* packet = buffer + p * kTsPacket;
        packet[0] = 0x47;
        packet[1] = (unsigned char)(0x40 | (h >> 8 & 0x1f));
        packet[2] = (unsigned char)(h >> 16);
        packet[3] = (unsigned char)(0x10 | (ch->continuity[p] = (uint8_t)((ch->continuity[p] + 1) & 0x0f)));
        memset(packet + 4, (int)(h >> (p * 8) & 0xff), kTsPacket - 4);
    }
    /* The PES header and its private data (SCTE-35 cues, captions, ID3 timed metadata), parsed into scratch. */
    const size_t scratch_size = 200 + (size_t)(mix(h) % 48000);
    unsigned char* scratch = malloc(scratch_size);
    memset(scratch, 0, scratch_size < 4096 ? scratch_size : 4096);
    scratch[0] = buffer[4];
    free(scratch);
    segment_append(ch->current, buffer, kDatagram);
    free(buffer);
    atomic_fetch_add(&g_datagrams, 1);
}

struct ingest {
    int index;
    long segment_number; /* the segment being filled, by wall-clock boundary */
    uint64_t datagrams;
};

static void ingest_tick(long i, double t, void* state) {
    struct ingest* in = state;
    (void)i;
    const long number = (long)(t / kSegmentS);
    for (int c = in->index; c < kChannels; c += kIngestThreads) {
        struct channel* ch = &g_channels[c];
        if (number != in->segment_number && ch->current->bytes > 0) {
            /* The IDR frame: cut the segment and hand it to the uploader. */
            enqueue_upload(ch->current);
            ch->current = segment_new(c, ++ch->sequence);
        }
        ch->bytes_due += kBytesPerSecond * 0.01;
        while (ch->bytes_due >= kDatagram) {
            ingest_datagram(ch, c, in->datagrams++);
            ch->bytes_due -= kDatagram;
        }
    }
    in->segment_number = number;
}

static void* ingest_main(void* arg) {
    pattern_every(0.01, g_seconds, ingest_tick, arg);
    return NULL;
}

/* The uploader: PUTs a queued segment (~150 ms each, some in parallel), then frees it. */
struct upload {
    struct segment* segment;
    double done_s;
};

static struct upload g_in_flight[64];
static int g_in_flight_count;

static void upload_tick(long i, double t, void* state) {
    (void)i;
    (void)state;
    for (int k = 0; k < g_in_flight_count;) {
        if (g_in_flight[k].done_s > t) {
            ++k;
            continue;
        }
        struct segment* s = g_in_flight[k].segment;
        struct channel* ch = &g_channels[s->channel];
        char line[96];
        snprintf(line, sizeof line, "#EXTINF:2.400,\n%s/seg_%06ld.ts", ch->name, s->sequence);
        pthread_mutex_lock(&ch->playlist_lock);
        free(ch->playlist[ch->playlist_next]);
        ch->playlist[ch->playlist_next] = strdup(line);
        ch->playlist_next = (ch->playlist_next + 1) % kPlaylistLength;
        pthread_mutex_unlock(&ch->playlist_lock);
        for (struct chunk* c = s->head; c;) {
            struct chunk* next = c->next;
            free(c);
            atomic_fetch_sub(&g_held_bytes, (long)(sizeof *c + kChunk));
            c = next;
        }
        atomic_fetch_add(&g_bytes_uploaded, (long)s->bytes);
        atomic_fetch_add(&g_segments_uploaded, 1);
        free(s);
        g_in_flight[k] = g_in_flight[--g_in_flight_count];
    }
    pthread_mutex_lock(&g_queue_lock);
    while (g_queue_head && g_in_flight_count < 64) {
        struct segment* s = g_queue_head;
        g_queue_head = s->next;
        if (!g_queue_head) g_queue_tail = NULL;
        s->next = NULL;
        g_in_flight[g_in_flight_count].segment = s;
        g_in_flight[g_in_flight_count].done_s = t + 0.1 + (double)(mix((uint64_t)s->sequence * 31 + (uint64_t)s->channel) % 100) / 1000.0;
        ++g_in_flight_count;
    }
    pthread_mutex_unlock(&g_queue_lock);
}

static void* upload_main(void* arg) {
    pattern_every(0.01, g_seconds, upload_tick, arg);
    return NULL;
}

static void report_tick(long i, double t, void* state) {
    (void)state;
    if (i % 5 == 0)
        fprintf(stderr, "t=%.1f s: %.2f MB of segment chunks held\n", t, (double)atomic_load(&g_held_bytes) / 1e6);
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    for (int c = 0; c < kChannels; ++c) {
        snprintf(g_channels[c].name, sizeof g_channels[c].name, "live/ch%02d/1080p", c);
        g_channels[c].current = segment_new(c, 0);
        pthread_mutex_init(&g_channels[c].playlist_lock, NULL);
    }
    pthread_t ingest_threads[kIngestThreads], uploader;
    struct ingest ingests[kIngestThreads];
    for (int k = 0; k < kIngestThreads; ++k) {
        ingests[k] = (struct ingest){k, 0, 0};
        pthread_create(&ingest_threads[k], NULL, ingest_main, &ingests[k]);
    }
    pthread_create(&uploader, NULL, upload_main, NULL);
    pattern_every(0.2, g_seconds, report_tick, NULL);
    for (int k = 0; k < kIngestThreads; ++k) pthread_join(ingest_threads[k], NULL);
    pthread_join(uploader, NULL);
    fprintf(stderr, "%ld datagrams, %ld segments uploaded (%ld MB); %.2f MB of chunks held at exit, %.2f MB at the peak\n",
            atomic_load(&g_datagrams), atomic_load(&g_segments_uploaded), atomic_load(&g_bytes_uploaded) >> 20,
            (double)atomic_load(&g_held_bytes) / 1e6, (double)atomic_load(&g_peak_held) / 1e6);
    _Exit(0);
}
