/* A slow leak that starts late, after a reconnect (written in session 18 as a held-out check, never
 * tuned on): a syslog relay in C. The receiving thread takes 500 messages a second (10 every 20 ms)
 * into a pool of 2,048 fixed 8 KiB message slots (allocated and written at start) and queues them to
 * the forwarding thread, which frames each message for the central collector, "sends" it and gives
 * its slot back. Messages of severity warning and above (one in five) are sent reliably: the frame
 * is kept in an ack window until the collector acknowledges its transaction number.
 * Until 6 s the relay speaks non-transparent framing and keeps the window in a fixed ring of 256
 * transactions, freed as acks come in. At 6 s the collector restarts; the relay reconnects and
 * negotiates octet-counted framing, whose frames (frame_octet_counted) go onto a linked list for the
 * resend path. The ack handler still looks transactions up in the ring only, so it never finds them:
 * every reliable frame sent after the reconnect stays on the list for good.
 * Truth: a leak, linear from 6 s (nothing leaks before): 100 reliable frames a second, each a frame
 * of 310-530 bytes plus a 32-byte list node (~500 B with malloc's headers): ~50 kB/s, ~0.6 MB over
 * an 18 s run on a ~19 MB process (~3% at the end). Before 6 s the heap is flat after the pool's
 * allocation at start. The frames are allocated in frame_octet_counted.
 * Measured (session 18, a plain run without leakscope: RSS, and glibc's mallinfo2 every 100 ms): heap
 * flat at 16.80 MB over 1-6 s (0 B/s), +49.8 kB/s over 6.5-18 s (+49.6 over 7-12 s, +49.7 over 12-18 s),
 * 16.8 -> 17.4 MB; RSS 18.35 -> 18.36 MB over 1-6 s, +49.7 kB/s over 6.5-18 s (18.4 -> 19.0 MB);
 * 9,000 frames sent, 1,200 left on the resend list.
 * Usage: c_syslog_relay_reconnect_late_leak SECONDS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"
#include "mix.h"

#define SLOT_COUNT 2048
#define SLOT_BYTES 8192
#define QUEUE_SIZE 4096
#define WINDOW_RING 256
#define RECONNECT_AT_S 6.0

struct message_slot {
    uint32_t length;
    int severity;
    char text[SLOT_BYTES - 8];
};

struct pending_frame {  /* the resend list of octet-counted framing */
    struct pending_frame* next;
    uint64_t txnr;
    size_t length;
    char* frame;
};

struct relay {
    struct message_slot* slots;
    int free_slots[SLOT_COUNT];
    int free_count;
    int queue[QUEUE_SIZE];
    unsigned head, tail;
    int stopping;
    int octet_counted;  /* set by the reconnect */
    pthread_mutex_t lock;
    pthread_cond_t ready;
    /* the ack window */
    char* ring_frames[WINDOW_RING];
    uint64_t ring_txnr[WINDOW_RING];
    struct pending_frame* resend_list;
    uint64_t next_txnr, sent, acked, bytes_out;
};

static char* frame_non_transparent(const struct message_slot* m, uint64_t txnr, size_t* length) {
    char* frame = malloc(m->length + 64);
    *length = (size_t)snprintf(frame, m->length + 64, "<%d>1 %llu %.*s\n", 8 + m->severity,
                               (unsigned long long)txnr, (int)m->length, m->text);
    return frame;
}

__attribute__((noinline)) static char* frame_octet_counted(const struct message_slot* m, uint64_t txnr, size_t* length) {
    char header[48];
    const int header_length = snprintf(header, sizeof header, "<%d>1 %llu ", 8 + m->severity, (unsigned long long)txnr);
    const size_t body = (size_t)header_length + m->length;
    char* frame = malloc(body + 16);
    const int prefix = sprintf(frame, "%zu ", body);
    memcpy(frame + prefix, header, (size_t)header_length);
    memcpy(frame + prefix + header_length, m->text, m->length);
    *length = (size_t)prefix + body;
    return frame;
}

/* The collector acknowledges a transaction: the ring is where the window lives... */
static void on_ack(struct relay* r, uint64_t txnr) {
    const unsigned at = (unsigned)(txnr % WINDOW_RING);
    if (r->ring_txnr[at] == txnr && r->ring_frames[at]) {
        free(r->ring_frames[at]);
        r->ring_frames[at] = NULL;
        ++r->acked;
    }
    /* ...and an octet-counted frame on the resend list is never looked for here. */
}

static void forward(struct relay* r, const struct message_slot* m) {
    const int reliable = m->severity <= 4;
    const uint64_t txnr = ++r->next_txnr;
    size_t length;
    char* frame;
    if (r->octet_counted) {
        frame = frame_octet_counted(m, txnr, &length);
    } else {
        frame = frame_non_transparent(m, txnr, &length);
    }
    r->bytes_out += length;  /* the send itself */
    ++r->sent;
    if (!reliable) {
        free(frame);
        return;
    }
    if (r->octet_counted) {
        struct pending_frame* pending = malloc(sizeof *pending);
        pending->txnr = txnr;
        pending->length = length;
        pending->frame = frame;
        pending->next = r->resend_list;
        r->resend_list = pending;
    } else {
        const unsigned at = (unsigned)(txnr % WINDOW_RING);
        free(r->ring_frames[at]);  /* a frame 256 transactions old is given up */
        r->ring_frames[at] = frame;
        r->ring_txnr[at] = txnr;
    }
    on_ack(r, txnr);  /* the collector on the LAN answers within the same batch */
}

static void* forwarder(void* arg) {
    struct relay* r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (r->head == r->tail && !r->stopping) pthread_cond_wait(&r->ready, &r->lock);
        if (r->head == r->tail) break;
        const int slot = r->queue[r->tail++ % QUEUE_SIZE];
        pthread_mutex_unlock(&r->lock);
        forward(r, &r->slots[slot]);
        pthread_mutex_lock(&r->lock);
        r->free_slots[r->free_count++] = slot;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static const char* const kHosts[] = {"edge-fw-01", "edge-fw-02", "core-sw-a", "core-sw-b", "vpn-gw", "ldap-1", "mail-in"};

static void receive_batch(long tick, double t, void* arg) {
    struct relay* r = arg;
    if (t >= RECONNECT_AT_S && !r->octet_counted) {
        pthread_mutex_lock(&r->lock);
        r->octet_counted = 1;  /* the collector came back and offered octet counting */
        pthread_mutex_unlock(&r->lock);
    }
    for (int k = 0; k < 10; ++k) {
        const uint64_t h = mix((uint64_t)tick * 10 + (uint64_t)k);
        pthread_mutex_lock(&r->lock);
        if (r->free_count == 0) {  /* no slot: dropped, counted by the real relay */
            pthread_mutex_unlock(&r->lock);
            continue;
        }
        const int slot = r->free_slots[--r->free_count];
        pthread_mutex_unlock(&r->lock);
        struct message_slot* m = &r->slots[slot];
        m->severity = k % 5 == 0 ? (int)(h % 5) : 5 + (int)(h % 3);
        m->length = (uint32_t)snprintf(m->text, sizeof m->text,
                                       "%s sshd[%llu]: [meta sequenceId=\"%llu\"] session event %016llx ",
                                       kHosts[h % 7], (unsigned long long)(h % 40000), (unsigned long long)tick,
                                       (unsigned long long)h);
        const uint32_t padding = 220 + (uint32_t)(h >> 20) % 220;
        memset(m->text + m->length, 'k', padding);
        m->length += padding;
        pthread_mutex_lock(&r->lock);
        r->queue[r->head++ % QUEUE_SIZE] = slot;
        pthread_mutex_unlock(&r->lock);
        pthread_cond_signal(&r->ready);
    }
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    static struct relay relay;
    relay.slots = malloc(sizeof(struct message_slot) * SLOT_COUNT);
    /* pre-faulted, so that a burst never waits on page faults */
    memset(relay.slots, '-', sizeof(struct message_slot) * SLOT_COUNT);
    for (int i = 0; i < SLOT_COUNT; ++i) relay.free_slots[relay.free_count++] = i;
    pthread_mutex_init(&relay.lock, NULL);
    pthread_cond_init(&relay.ready, NULL);
    pthread_t thread;
    pthread_create(&thread, NULL, forwarder, &relay);

    pattern_every(0.02, seconds, receive_batch, &relay);

    pthread_mutex_lock(&relay.lock);
    relay.stopping = 1;
    pthread_mutex_unlock(&relay.lock);
    pthread_cond_signal(&relay.ready);
    pthread_join(thread, NULL);
    size_t pending = 0;
    for (struct pending_frame* p = relay.resend_list; p; p = p->next) ++pending;
    fprintf(stderr, "%llu frames sent (%.1f MB), %llu acked, %zu waiting on the resend list\n",
            (unsigned long long)relay.sent, relay.bytes_out / 1e6, (unsigned long long)relay.acked, pending);
    return 0;
}
