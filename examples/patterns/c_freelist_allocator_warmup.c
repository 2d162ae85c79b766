/* A size-class free-list allocator on top of malloc, warm-up then flat (written in session 6 as a
 * held-out check, never tuned on): a message broker gets its message buffers from seven size classes
 * (64 B to 4 KiB); a freed buffer goes on its class's free list and is handed out again, never back to
 * malloc. Message slot k always has class k % 7, and the messages in flight are the slots [0, n): n
 * ramps from 0 to 14,000 over the first 3 s, then swings between 7,000 and 14,000 with a 2.5 s period;
 * every 10 ms 300 messages in flight are also acked and replaced (freed, then allocated again from the
 * free list). Each class's high-water mark is reached at 3 s (2,000 buffers), so malloc is not called
 * again after that.
 * Truth: a warm-up of ~16.5 MB (2,000 x (64 + 128 + ... + 4,096) payload bytes + a 16-byte header per
 * buffer = 16,480,000 bytes, all touched), then flat: not a leak.
 * Usage: c_freelist_allocator_warmup SECONDS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define CLASSES 7
#define PEAK 14000

typedef struct Block {
    struct Block* next_free;
    size_t size_class;
} Block;

typedef struct {
    Block* free_list[CLASSES];
    size_t from_malloc;
} Allocator;

static size_t class_bytes(size_t c) { return (size_t)64 << c; }

__attribute__((noinline)) static void* buffer_alloc(Allocator* a, size_t c) {
    Block* b = a->free_list[c];
    if (b) {
        a->free_list[c] = b->next_free;
    } else {
        b = malloc(sizeof(Block) + class_bytes(c));
        if (!b) abort();
        memset(b + 1, 0, class_bytes(c));
        b->size_class = c;
        ++a->from_malloc;
    }
    return b + 1;
}

static void buffer_free(Allocator* a, void* p) {
    Block* b = (Block*)p - 1;
    b->next_free = a->free_list[b->size_class];
    a->free_list[b->size_class] = b;
}

typedef struct {
    Allocator alloc;
    char* slots[PEAK];
    size_t in_flight;
    unsigned long acked;
} Broker;

static size_t in_flight_target(double t) {
    if (t < 3.0) return (size_t)(PEAK * t / 3.0);
    return (size_t)(PEAK * (0.75 + 0.25 * cos(2.0 * M_PI * (t - 3.0) / 2.5)));
}

static void tick(long i, double t, void* state) {
    Broker* broker = state;
    const size_t target = in_flight_target(t);
    while (broker->in_flight > target) buffer_free(&broker->alloc, broker->slots[--broker->in_flight]);
    while (broker->in_flight < target) {
        const size_t k = broker->in_flight++;
        broker->slots[k] = buffer_alloc(&broker->alloc, k % CLASSES);
        snprintf(broker->slots[k], 64, "msg %lu slot %zu", (unsigned long)i, k);
    }
    /* Acks: 300 messages in flight complete and new ones take their slots. */
    for (size_t j = 0; j < 300 && broker->in_flight > 0; ++j) {
        const size_t k = ((size_t)i * 7919 + j * 104729) % broker->in_flight;
        buffer_free(&broker->alloc, broker->slots[k]);
        broker->slots[k] = buffer_alloc(&broker->alloc, k % CLASSES);
        broker->slots[k][0] = (char)j;
        ++broker->acked;
    }
}

int main(int argc, char** argv) {
    static Broker broker;
    pattern_every(0.01, pattern_run_seconds(argc, argv, 14), tick, &broker);
    printf("%zu buffers from malloc, %lu acked\n", broker.alloc.from_malloc, broker.acked);
    return 0;
}
