/* A leak outside the malloc heap, in System V shared memory (written in session 16 as a held-out check,
 * never tuned on): a C video frame relay. Each local subscriber (a transcoder or recorder process) gets
 * its own SysV shared-memory segment, a 256 KiB ring the relay writes 30 frames a second into; the relay
 * attaches it with shmat, marks it IPC_RMID at once (so the kernel frees it when the last process
 * detaches), and clears the ring. Subscribers join 3.75 times a second and stay ~2 s (1.8-2.2 s).
 * The bug: a subscriber that leaves cleanly is detached (shmdt); one that dies (its heartbeat times out,
 * ~3 in 10) is dropped from the table by the reaper, which frees its record but forgets the shmdt. The
 * segment stays mapped in the relay and its 64 pages stay resident (shared memory, RssShmem), with no
 * pointer left to it anywhere.
 * Truth: a leak outside malloc: RSS (its shared-memory part) grows by 262,144 B at each death, 18 of
 * them between 2.3 and 15.7 s (fixed seed), ~340 kB/s, linear in 256 KiB steps ~0.75 s apart; the
 * segments are mapped by attach_frame_ring. The malloc heap stays flat (~8 live subscriber records).
 * Measured (session 16, /proc VmRSS and RssShmem every 100 ms by a scratch preload shim, no tracker, two
 * runs alike): RssShmem 0.26 MB at 0 s (the first ring), 2.1 MB at 2 s (~8 live rings), 6.55 MB at 15 s;
 * VmRSS slope +335 kB/s over 2-16 s, +343 kB/s over 4-16 s, +271/+462/+346 kB/s over 4-8/8-12/12-16 s;
 * RssAnon flat at 0.14 MB; the program's own count: 18 rings left attached, 4,718,592 B.
 * Usage: c_frame_relay_shm_detach_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "pacing.h"

enum { kRingBytes = 256 * 1024, kFrameBytes = 12 * 1024, kMaxSubscribers = 64 };

static uint64_t rng_state = 0xbe5466cf34e90c6cull;
static double uniform(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

struct frame_ring_header {
    uint64_t write_offset;
    uint64_t frames_written;
};

struct subscriber {
    int id;
    int segment_id;
    unsigned char* ring; /* the shmat'd segment: header, then the frame area */
    double joined_s, leaves_s;
    int dies; /* leaves by heartbeat timeout rather than an unsubscribe */
    char peer_name[96];
};

struct relay {
    struct subscriber* subscribers[kMaxSubscribers];
    int next_id;
    long clean_leaves, timeouts, frames;
    size_t rings_left_attached;
};

__attribute__((noinline)) static unsigned char* attach_frame_ring(int* segment_id) {
    *segment_id = shmget(IPC_PRIVATE, kRingBytes, IPC_CREAT | 0600);
    if (*segment_id < 0) { perror("shmget"); exit(1); }
    unsigned char* ring = shmat(*segment_id, NULL, 0);
    if (ring == (void*)-1) { perror("shmat"); exit(1); }
    shmctl(*segment_id, IPC_RMID, NULL); /* gone once nobody is attached, even if we crash */
    memset(ring, 0, kRingBytes);
    return ring;
}

static void subscribe(struct relay* relay, double now_s) {
    for (int i = 0; i < kMaxSubscribers; ++i) {
        if (relay->subscribers[i]) continue;
        struct subscriber* s = calloc(1, sizeof *s);
        s->id = relay->next_id++;
        s->joined_s = now_s;
        s->leaves_s = now_s + 1.8 + 0.4 * uniform(); /* a clip-length session: ~2 s */
        s->dies = uniform() < 0.3;
        snprintf(s->peer_name, sizeof s->peer_name, "transcoder-%d@unix:/run/relay/sub-%d.sock", s->id, s->id);
        s->ring = attach_frame_ring(&s->segment_id);
        relay->subscribers[i] = s;
        return;
    }
}

static void write_frame(struct subscriber* s, long frame_number) {
    struct frame_ring_header* header = (struct frame_ring_header*)s->ring;
    const size_t area = kRingBytes - sizeof *header;
    if (header->write_offset + kFrameBytes > area) header->write_offset = 0;
    memset(s->ring + sizeof *header + header->write_offset, (int)(frame_number & 0xff), kFrameBytes);
    header->write_offset += kFrameBytes;
    header->frames_written++;
}

static void unsubscribe(struct relay* relay, int slot) {
    struct subscriber* s = relay->subscribers[slot];
    shmdt(s->ring);
    relay->clean_leaves++;
    free(s);
    relay->subscribers[slot] = NULL;
}

/* The heartbeat reaper: the subscriber is gone, so its record goes; the segment's shmdt is missing. */
static void reap_dead_subscriber(struct relay* relay, int slot) {
    relay->timeouts++;
    relay->rings_left_attached += kRingBytes;
    free(relay->subscribers[slot]);
    relay->subscribers[slot] = NULL;
}

static void relay_tick(long tick, double now_s, void* state) {
    struct relay* relay = state;
    if (tick % 8 == 0) subscribe(relay, now_s); /* 3.75 joins a second */
    for (int i = 0; i < kMaxSubscribers; ++i) /* one frame a tick to everyone: 30 a second */
        if (relay->subscribers[i]) write_frame(relay->subscribers[i], relay->frames);
    relay->frames++;
    for (int i = 0; i < kMaxSubscribers; ++i) {
        struct subscriber* s = relay->subscribers[i];
        if (!s || now_s < s->leaves_s) continue;
        if (s->dies) {
            if (now_s >= s->leaves_s + 0.5) reap_dead_subscriber(relay, i); /* heartbeat timeout */
        } else {
            unsubscribe(relay, i);
        }
    }
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    static struct relay relay;
    pattern_every(1.0 / 30, seconds, relay_tick, &relay);
    printf("subscribers %d, clean leaves %ld, timeouts %ld, frames %ld, rings left attached %zu bytes\n",
           relay.next_id, relay.clean_leaves, relay.timeouts, relay.frames, relay.rings_left_attached);
    return 0;
}
