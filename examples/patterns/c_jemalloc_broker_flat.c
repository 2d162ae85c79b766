/* An allocator's caches after a warm-up, not a leak (run with LD_PRELOAD of Debian's libjemalloc2, see
 * the manifest; written in session 8 as a held-out check, never tuned on): a message broker. Three
 * publisher threads each publish 1,000 messages a second (payloads of 64 B to 32 KiB, log-uniform, as
 * real messages are) onto a shared inbox; a dispatcher thread moves them into their topic's replay
 * ring (8 topics, the last 256 messages each, for subscribers that reconnect) and frees the message
 * each new one pushes out. So every message is allocated on a publisher's thread and freed on the
 * dispatcher's: jemalloc's thread caches and its per-arena dirty pages (purged on a ~10 s decay)
 * fill during the first seconds and then recycle. Beside it the broker keeps a 16 MB subscription
 * table built at start.
 * Truth: not a leak: the live heap is the subscription table plus the 2,048 retained messages
 * (~10.6 MB at the mean payload), full ~1 s after start and flat after it, with the noise of the
 * payload sizes. Measured under leakscope run: the live heap is 27.0 MB at 2 s and 26.0-27.6 MB from
 * then on (slope -23 kB/s over 3-16 s); RSS, jemalloc's pages, rises to 40.4 MB by 2 s and stays at
 * 40.0-41.6 MB to the end (slope -47 kB/s over 3-16 s): jemalloc keeps ~13 MB of cached and dirty
 * pages above the live heap, and no more as the run goes on.
 * Usage: c_jemalloc_broker_flat SECONDS */
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kTopics = 8, kRetained = 256, kInbox = 4096, kPublishers = 3 };

struct message {
    uint64_t id;
    uint32_t topic;
    uint32_t length;
    unsigned char payload[];
};

struct inbox {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct message* items[kInbox];
    size_t head, count;
    int closed;
};

struct broker {
    struct inbox inbox;
    struct message* rings[kTopics][kRetained];
    size_t next[kTopics];
    uint64_t dispatched, dropped, checksum;
    uint32_t* subscriptions;
};

struct publisher {
    struct broker* broker;
    int index;
    double seconds;
    uint64_t state;
};

static const size_t kSubscriptions = 4u * 1000 * 1000; /* 16 MB */

static uint64_t next_random(uint64_t* s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

__attribute__((noinline)) static struct message* make_message(struct publisher* p, uint64_t id) {
    const double u = (double)(next_random(&p->state) % 1000000) / 1e6;
    const uint32_t length = (uint32_t)exp(log(64.0) + u * (log(32768.0) - log(64.0)));
    struct message* m = malloc(sizeof *m + length);
    m->id = id;
    m->topic = (uint32_t)(next_random(&p->state) % kTopics);
    m->length = length;
    memset(m->payload, (int)(id & 0xff), length);
    return m;
}

/* Publishing blocks while the inbox is full (the broker's back-pressure). */
static void publish(struct inbox* in, struct message* m) {
    pthread_mutex_lock(&in->lock);
    while (in->count == kInbox) {
        pthread_mutex_unlock(&in->lock);
        sched_yield();
        pthread_mutex_lock(&in->lock);
    }
    in->items[(in->head + in->count++) % kInbox] = m;
    pthread_cond_signal(&in->ready);
    pthread_mutex_unlock(&in->lock);
}

static void publish_tick(long i, double t, void* state) {
    (void)t;
    struct publisher* p = state;
    for (int k = 0; k < 10; ++k) /* 100 ticks a second, 10 messages each */
        publish(&p->broker->inbox, make_message(p, ((uint64_t)i * 10 + (uint64_t)k) * kPublishers + (uint64_t)p->index));
}

static void* publisher_main(void* arg) {
    struct publisher* p = arg;
    pattern_every(0.01, p->seconds, publish_tick, p);
    return NULL;
}

/* The dispatcher: the new message takes its slot in the topic's ring; the one it replaces is freed. */
static void* dispatcher_main(void* arg) {
    struct broker* b = arg;
    struct inbox* in = &b->inbox;
    for (;;) {
        pthread_mutex_lock(&in->lock);
        while (in->count == 0 && !in->closed) pthread_cond_wait(&in->ready, &in->lock);
        if (in->count == 0) {
            pthread_mutex_unlock(&in->lock);
            return NULL;
        }
        struct message* m = in->items[in->head];
        in->head = (in->head + 1) % kInbox;
        --in->count;
        pthread_mutex_unlock(&in->lock);
        b->checksum += b->subscriptions[m->id % kSubscriptions] & 1u;
        struct message** slot = &b->rings[m->topic][b->next[m->topic]++ % kRetained];
        if (*slot) {
            free(*slot);
            ++b->dropped;
        }
        *slot = m;
        ++b->dispatched;
    }
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct broker* b = calloc(1, sizeof *b);
    pthread_mutex_init(&b->inbox.lock, NULL);
    pthread_cond_init(&b->inbox.ready, NULL);
    b->subscriptions = malloc(kSubscriptions * sizeof *b->subscriptions);
    for (size_t k = 0; k < kSubscriptions; ++k) b->subscriptions[k] = (uint32_t)(k * 2654435761u);
    pthread_t dispatcher, publishers[kPublishers];
    struct publisher state[kPublishers];
    pthread_create(&dispatcher, NULL, dispatcher_main, b);
    for (int p = 0; p < kPublishers; ++p) {
        state[p] = (struct publisher){b, p, seconds, 0x9E3779B97F4A7C15ull * (uint64_t)(p + 1)};
        pthread_create(&publishers[p], NULL, publisher_main, &state[p]);
    }
    for (int p = 0; p < kPublishers; ++p) pthread_join(publishers[p], NULL);
    pthread_mutex_lock(&b->inbox.lock);
    b->inbox.closed = 1;
    pthread_cond_signal(&b->inbox.ready);
    pthread_mutex_unlock(&b->inbox.lock);
    pthread_join(dispatcher, NULL);
    printf("%llu dispatched, %llu pushed out of the replay rings, checksum %llu\n", (unsigned long long)b->dispatched,
           (unsigned long long)b->dropped, (unsigned long long)b->checksum);
    return 0;
}
