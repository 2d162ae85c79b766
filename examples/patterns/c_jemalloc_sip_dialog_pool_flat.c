/* A bounded object pool with churn, under jemalloc (run with LD_PRELOAD of Debian's libjemalloc2, see
 * the manifest; written in session 17 as a held-out check, never tuned on): a SIP proxy's dialog
 * table. The dialog records themselves are a fixed pool of 4,096 slots allocated at start, with a free
 * list; a call that arrives when every slot is taken is turned away with 503. Each dialog owns what
 * its INVITE and 200 OK carried, malloc'd on the signaling thread: its Call-ID, its From and To URIs,
 * its route set (2-5 Record-Route URIs) and the SDP offer and answer (400-3,000 B each). 1,000 calls
 * a second are set up, each holding for 0.5-4 s (uniform, mean 2.25 s); a timer thread sweeps ended
 * calls 20 times a second and frees their strings and bodies, so every block is allocated on one
 * thread and freed on the other (jemalloc's thread caches and arenas see real cross-thread churn).
 * Truth: not a leak: the active calls climb to ~2,250 (Little's law) over the first 4 s, ~3.6 kB of
 * malloc each, ~8 MB beside the 0.46 MB pool, then stay there with ~1,000 dialogs created and freed a
 * second; the pool never fills (no 503). So a warm-up of ~8 MB over 0-4 s (a ramp that bends over
 * as the first calls end), then flat; jemalloc purges the pages its churn dirties on its decay timer,
 * so RSS follows the heap with a lag but does not grow after the ramp.
 * Measured (tests/accuracy/measure.py, session 17): live heap 0.93 MB at start, 9.06 MB at 4 s, then
 * 9.06-9.46 MB over 4-16 s (+2 kB/s; -10 kB/s over 6-16 s): a warm-up of ~8.2 MB; RSS without the
 * tracker 14.2 -> 15.0 MB over 4-16 s (+46 kB/s; +19 kB/s over 6-16 s), under it 17.3 -> 18.0 MB;
 * ~2,360 calls active at the peak, none rejected.
 * Usage: c_jemalloc_sip_dialog_pool_flat SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kPoolSlots = 4096, kMaxRoutes = 5, kCallsPerTick = 10 };

struct dialog {
    int in_use;
    double ends_at_s;
    char* call_id;
    char* from_uri;
    char* to_uri;
    char* routes[kMaxRoutes];
    int route_count;
    char* sdp_offer;
    char* sdp_answer;
    struct dialog* next_free;
};

struct dialog_table {
    pthread_mutex_t lock;
    struct dialog* slots;
    struct dialog* free_list;
    long active, peak_active, created, ended, rejected;
    int stopping;
};

static uint64_t next_random(uint64_t* seed) {
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    return *seed >> 17;
}

static char* sdp_body(uint64_t* seed, const char* host) {
    const size_t length = 400 + next_random(seed) % 2601;
    char* body = malloc(length + 1);
    const int head = snprintf(body, length + 1, "v=0\r\no=- %llu 1 IN IP4 %s\r\ns=call\r\nc=IN IP4 %s\r\nm=audio ",
                              (unsigned long long)next_random(seed), host, host);
    if (head < (int)length) memset(body + head, 'a', length - (size_t)head);
    body[length] = '\0';
    return body;
}

/* The INVITE was accepted: take a slot and copy what the dialog must remember. */
static void setup_call(struct dialog_table* table, uint64_t* seed, double now_s) {
    char buffer[160];
    pthread_mutex_lock(&table->lock);
    struct dialog* d = table->free_list;
    if (d) table->free_list = d->next_free;
    pthread_mutex_unlock(&table->lock);
    if (!d) {
        ++table->rejected; /* 503 Service Unavailable */
        return;
    }
    snprintf(buffer, sizeof buffer, "%016llx-%08llx@pbx%llu.voice.example.net", (unsigned long long)next_random(seed),
             (unsigned long long)next_random(seed), (unsigned long long)(next_random(seed) % 40));
    d->call_id = strdup(buffer);
    snprintf(buffer, sizeof buffer, "\"Caller %llu\" <sip:+4420%08llu@carrier.example.net>;tag=%llx",
             (unsigned long long)(next_random(seed) % 1000), (unsigned long long)(next_random(seed) % 100000000),
             (unsigned long long)next_random(seed));
    d->from_uri = strdup(buffer);
    snprintf(buffer, sizeof buffer, "<sip:%llu@tenant%llu.example.com>", (unsigned long long)(next_random(seed) % 100000),
             (unsigned long long)(next_random(seed) % 300));
    d->to_uri = strdup(buffer);
    d->route_count = 2 + (int)(next_random(seed) % 4);
    for (int r = 0; r < d->route_count; ++r) {
        snprintf(buffer, sizeof buffer, "<sip:edge%llu.example.net:5060;transport=tcp;lr;ftag=%llx>",
                 (unsigned long long)(next_random(seed) % 16), (unsigned long long)next_random(seed));
        d->routes[r] = strdup(buffer);
    }
    d->sdp_offer = sdp_body(seed, "198.51.100.7");
    d->sdp_answer = sdp_body(seed, "203.0.113.9");
    d->ends_at_s = now_s + 0.5 + (double)(next_random(seed) % 3500) / 1000.0;
    pthread_mutex_lock(&table->lock);
    d->in_use = 1;
    if (++table->active > table->peak_active) table->peak_active = table->active;
    ++table->created;
    pthread_mutex_unlock(&table->lock);
}

static void release_dialog(struct dialog* d) {
    free(d->call_id);
    free(d->from_uri);
    free(d->to_uri);
    for (int r = 0; r < d->route_count; ++r) free(d->routes[r]);
    free(d->sdp_offer);
    free(d->sdp_answer);
    memset(d, 0, sizeof *d);
}

struct signaling {
    struct dialog_table* table;
    uint64_t seed;
};

static void signaling_tick(long i, double t, void* state) {
    (void)i;
    struct signaling* s = state;
    for (int k = 0; k < kCallsPerTick; ++k) setup_call(s->table, &s->seed, t);
}

/* BYEs and session timers: ends the calls whose time has come, 20 times a second. */
static void timer_tick(long i, double t, void* state) {
    (void)i;
    struct dialog_table* table = state;
    for (int slot = 0; slot < kPoolSlots; ++slot) {
        struct dialog* d = &table->slots[slot];
        pthread_mutex_lock(&table->lock);
        const int ended = d->in_use && d->ends_at_s <= t;
        pthread_mutex_unlock(&table->lock);
        if (!ended) continue;
        release_dialog(d);
        pthread_mutex_lock(&table->lock);
        d->next_free = table->free_list;
        table->free_list = d;
        --table->active;
        ++table->ended;
        pthread_mutex_unlock(&table->lock);
    }
}

struct timer_args {
    struct dialog_table* table;
    double seconds;
};

static void* timer_thread(void* arg) {
    struct timer_args* a = arg;
    pattern_every(0.05, a->seconds, timer_tick, a->table);
    return NULL;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct dialog_table table = {.lock = PTHREAD_MUTEX_INITIALIZER};
    table.slots = calloc(kPoolSlots, sizeof *table.slots);
    for (int slot = kPoolSlots - 1; slot >= 0; --slot) {
        table.slots[slot].next_free = table.free_list;
        table.free_list = &table.slots[slot];
    }
    struct timer_args args = {&table, seconds};
    pthread_t timer;
    pthread_create(&timer, NULL, timer_thread, &args);
    struct signaling signaling = {&table, 5060};
    pattern_every(0.01, seconds, signaling_tick, &signaling); /* 100 ticks a second, 10 calls each */
    pthread_join(timer, NULL);
    fprintf(stderr, "%ld calls set up, %ld ended, %ld active at exit (peak %ld), %ld rejected\n", table.created, table.ended,
            table.active, table.peak_active, table.rejected);
    return 0;
}
