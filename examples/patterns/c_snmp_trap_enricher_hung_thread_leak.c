/* A leak outside the malloc heap, in the stacks of abandoned threads (written in session 26, batch 10, as
 * a held-out check, never tuned on): the SNMP trap receiver of a network operations centre. 40 traps a
 * second arrive from routers and switches (linkDown/linkUp, BGP state changes, environmental alarms);
 * each is decoded and handed to its own enrichment thread (256 KiB stacks), which renders the varbinds
 * into a 96 KiB text buffer on its stack, asks the inventory service (CMDB) for the device's site,
 * owner and circuit ids, and posts the enriched alert to the alert queue. The receiver polls its
 * enrichments in flight with pthread_tryjoin_np, each with a 300 ms budget; when one expires it logs
 * "enrichment timed out", posts the bare trap and forgets the thread, without detaching or cancelling
 * it. The CMDB never answers the lookups of one decommissioned site's devices (10% of the traps, a site still sending
 * traps from a row of forgotten switches): those threads wait forever on the reply, their stacks with
 * them.
 * Truth: a leak, outside the heap, linear from the start: ~4 threads a second hang (66 in a 16 s run), each
 * keeping its stack's touched pages (the 96 KiB render buffer and the frames above it) and its thread
 * descriptor: ~0.46 MB/s of RSS, ~7 MB over the run. The malloc heap is flat (a few kB): the decoded traps
 * and the enriched alerts are freed by the alert writer, the alert queue is bounded, and a hung thread holds
 * nothing malloc'd but its ~300 B of TLS bookkeeping. The threads that finish are joined: glibc keeps their
 * stacks in its cache and gives their pages back on exit.
 * Measured (session 26, tests/accuracy/measure.py): tracked, RSS 4.25 MB at 3 s, 8.75 at 13 s, 10.48 at 16 s
 * (+467 kB/s over 3-13 s, +504 over 3-9 s, +446 over 9-16 s), live heap 0.01-0.03 MB (+1.2 kB/s); --plain,
 * RSS 2.96 MB at 3 s, 7.37 at 13 s, 9.08 at 16 s (+459 kB/s over 3-13 s, +489 over 3-9 s, +440 over 9-16 s),
 * the thread stacks in smaps 2.15 MB at 5 s, 4.30 at 10 s, 6.33 at 15 s; 640 traps, 66 enrichments timed out.
 * Usage: c_snmp_trap_enricher_hung_thread_leak SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mix.h"
#include "pacing.h"

enum { kStackBytes = 256 << 10, kRenderBytes = 96 << 10, kVarbinds = 12, kQueueSlots = 256, kDevices = 6000 };

static const char* const kTrapOids[] = {
    "1.3.6.1.6.3.1.1.5.3", /* linkDown */
    "1.3.6.1.6.3.1.1.5.4", /* linkUp */
    "1.3.6.1.2.1.15.7.2",  /* bgpBackwardTransition */
    "1.3.6.1.4.1.9.9.13.3.0.3", /* ciscoEnvMonTemperatureNotification */
};

struct varbind {
    char oid[64];
    char value[96];
};

struct trap {
    uint32_t agent_ip;
    uint32_t uptime_ticks;
    int device;
    const char* trap_oid;
    int varbind_count;
    struct varbind varbinds[kVarbinds];
};

struct alert {
    struct trap* trap;
    char* text;     /* the enriched alert, JSON */
    int enriched;
};

/* The bounded queue from the receiver (and the enrichment threads) to the alert writer. */
static struct {
    pthread_mutex_t mutex;
    pthread_cond_t not_empty, not_full;
    struct alert* slots[kQueueSlots];
    int head, count, closed;
} g_alerts = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};

/* The CMDB client: replies come back on a condition variable; those for the decommissioned site never do. */
static pthread_mutex_t g_cmdb_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cmdb_reply = PTHREAD_COND_INITIALIZER;

static void post_alert(struct alert* a) {
    pthread_mutex_lock(&g_alerts.mutex);
    while (g_alerts.count == kQueueSlots) pthread_cond_wait(&g_alerts.not_full, &g_alerts.mutex);
    g_alerts.slots[(g_alerts.head + g_alerts.count++) % kQueueSlots] = a;
    pthread_cond_signal(&g_alerts.not_empty);
    pthread_mutex_unlock(&g_alerts.mutex);
}

static int device_site(int device) { return device % 10; }
static int site_decommissioned(int site) { return site == 7; }

/* Asks the CMDB about a device; the answer for a decommissioned site never comes. */
static int cmdb_lookup(int device, char* out, size_t size) {
    if (site_decommissioned(device_site(device))) {
        pthread_mutex_lock(&g_cmdb_mutex);
        for (;;) pthread_cond_wait(&g_cmdb_reply, &g_cmdb_mutex); /* no timeout on the socket read */
    }
    const uint64_t h = mix((uint64_t)device);
    return snprintf(out, size, "\"site\":\"POP-%02d\",\"owner\":\"netops-%s\",\"circuit\":\"CKT-%06llu\"",
                    device_site(device), h % 2 ? "core" : "edge", (unsigned long long)(h % 1000000));
}

__attribute__((noinline)) static void* enrich_trap(void* arg) {
    struct alert* a = arg;
    const struct trap* t = a->trap;
    char render[kRenderBytes]; /* the varbinds as text, with room for the biggest table walk */
    size_t used = (size_t)snprintf(render, sizeof render, "{\"trap\":\"%s\",\"agent\":\"%u.%u.%u.%u\",\"uptime\":%u,"
                                   "\"varbinds\":[", t->trap_oid, t->agent_ip >> 24, t->agent_ip >> 16 & 255,
                                   t->agent_ip >> 8 & 255, t->agent_ip & 255, t->uptime_ticks);
    for (int v = 0; v < t->varbind_count && used < sizeof render; ++v)
        used += (size_t)snprintf(render + used, sizeof render - used, "%s{\"oid\":\"%s\",\"value\":\"%s\"}",
                                 v ? "," : "", t->varbinds[v].oid, t->varbinds[v].value);
    /* The renderer clears the rest of its buffer (the interface-table walk fills it on big chassis). */
    memset(render + used, ' ', sizeof render - used);
    char owner[160];
    cmdb_lookup(t->device, owner, sizeof owner);
    a->text = malloc(used + sizeof owner + 8);
    snprintf(a->text, used + sizeof owner + 8, "%.*s],%s}", (int)used, render, owner);
    a->enriched = 1;
    asm volatile("" : : "r"(render) : "memory");
    return NULL;
}

static struct trap* decode_trap(uint64_t n) {
    const uint64_t h = mix(n);
    struct trap* t = calloc(1, sizeof *t);
    t->device = (int)(h % kDevices);
    t->agent_ip = 0x0a000000u | (uint32_t)t->device;
    t->uptime_ticks = (uint32_t)(n * 100);
    t->trap_oid = kTrapOids[h >> 16 & 3];
    t->varbind_count = 4 + (int)(h >> 20 & 7);
    for (int v = 0; v < t->varbind_count; ++v) {
        snprintf(t->varbinds[v].oid, sizeof t->varbinds[v].oid, "1.3.6.1.2.1.2.2.1.%d.%llu", 1 + v,
                 (unsigned long long)(h >> 8 & 63));
        snprintf(t->varbinds[v].value, sizeof t->varbinds[v].value, "GigabitEthernet0/%llu/%d oper %s",
                 (unsigned long long)(h % 48), v, h % 2 ? "down" : "up");
    }
    return t;
}

/* An enrichment in flight: its thread, and when the receiver stops waiting for it. */
struct enrichment {
    pthread_t thread;
    struct alert* alert;
    double deadline;
};

struct receiver {
    pthread_attr_t attr;
    struct enrichment in_flight[64];
    int in_flight_count;
    uint64_t traps, timed_out;
};

/* Every 25 ms: the enrichments done (joined) or past their 300 ms budget (given up), then one new trap,
 * enriched on its own thread. */
static void receive_tick(long i, double t, void* state) {
    struct receiver* r = state;
    int kept = 0;
    for (int k = 0; k < r->in_flight_count; ++k) {
        struct enrichment* e = &r->in_flight[k];
        if (pthread_tryjoin_np(e->thread, NULL) == 0) {
            post_alert(e->alert);
        } else if (t > e->deadline) {
            /* "enrichment timed out": the bare trap goes out (the writer frees it, and the alert the
             * thread still points at); the thread is left where it is. */
            r->timed_out++;
            post_alert(e->alert);
        } else {
            r->in_flight[kept++] = *e;
        }
    }
    r->in_flight_count = kept;
    struct alert* a = calloc(1, sizeof *a);
    a->trap = decode_trap((uint64_t)i);
    r->traps++;
    struct enrichment* e = &r->in_flight[r->in_flight_count];
    if (r->in_flight_count == 64 || pthread_create(&e->thread, &r->attr, enrich_trap, a) != 0) {
        post_alert(a);
        return;
    }
    e->alert = a;
    e->deadline = t + 0.3;
    r->in_flight_count++;
}

static void* alert_writer(void* arg) {
    uint64_t* written = arg;
    for (;;) {
        pthread_mutex_lock(&g_alerts.mutex);
        while (g_alerts.count == 0 && !g_alerts.closed) pthread_cond_wait(&g_alerts.not_empty, &g_alerts.mutex);
        if (g_alerts.count == 0) {
            pthread_mutex_unlock(&g_alerts.mutex);
            return NULL;
        }
        struct alert* a = g_alerts.slots[g_alerts.head];
        g_alerts.head = (g_alerts.head + 1) % kQueueSlots;
        g_alerts.count--;
        pthread_cond_signal(&g_alerts.not_full);
        pthread_mutex_unlock(&g_alerts.mutex);
        /* Written to the NOC's alert stream, then dropped. */
        *written += a->text ? strlen(a->text) : sizeof *a->trap;
        free(a->text);
        free(a->trap);
        free(a);
    }
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    uint64_t written = 0;
    pthread_t writer;
    pthread_create(&writer, NULL, alert_writer, &written);
    struct receiver r = {0};
    pthread_attr_init(&r.attr);
    pthread_attr_setstacksize(&r.attr, kStackBytes);
    pattern_every(0.025, seconds, receive_tick, &r);
    pthread_mutex_lock(&g_alerts.mutex);
    g_alerts.closed = 1;
    pthread_cond_signal(&g_alerts.not_empty);
    pthread_mutex_unlock(&g_alerts.mutex);
    pthread_join(writer, NULL);
    fprintf(stderr, "%llu traps, %llu enrichments timed out (threads left waiting on the CMDB), %llu kB of alerts\n",
            (unsigned long long)r.traps, (unsigned long long)r.timed_out, (unsigned long long)(written >> 10));
    _exit(0);
}
