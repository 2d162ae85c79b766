/* A flat service under jemalloc whose graceful shutdown is in the recording (written in session 15 as a
 * held-out check, never tuned on): a fleet-tracking geofence service. At start it loads 30,000 fences
 * (polygons of 8-120 vertices, a name and a tag string each: ~30 MB) and indexes them in a 128x128 grid
 * whose cells hold growable arrays of fence ids. Then it takes 5,000 vehicle positions a second (100
 * per 20 ms tick) for a fixed fleet of 10,000 vehicles: each position is tested against the fences of
 * its grid cell (a candidate list built and freed per position); entering or leaving a fence emits an
 * event string (60-200 B) into a ring of 1,024 that frees the event it overwrites. When its run time
 * is up it shuts down the way it does on SIGTERM: 2 s before the end it stops taking positions, frees
 * the fences, the grid and the fleet, then drains its event ring (25 events a tick posted to the
 * webhook, a small JSON buffer each, freed: ~0.8 s) and waits out the rest of its 2 s grace period.
 * Run under jemalloc (LD_PRELOAD): jemalloc keeps freed pages dirty and purges them over ~10 s, on its
 * own schedule, so RSS falls at the teardown later and less than the heap does.
 * Truth: not a leak: a warm-up of ~36 MB while loading (the first ~1 s), then flat (the event ring is
 * full after ~1 s, ~950 events a second, and holds 1,024 events); the last 2 s are the teardown: the
 * heap falls to the ring (~0.1 MB) at once, then to nothing. The teardown is no pattern of the service.
 * Measured (tests/accuracy/measure.py, session 15): live heap 35.60 MB from 1 s to 13.9 s (-40 B/s), then
 * 0.09 MB from 14 s to the end; RSS 48.20 MB flat over 2-13.9 s, 45.12 MB over the teardown (jemalloc's
 * own footprint 42.6 -> 5.2 MB); without the tracker RSS 43.09 MB flat from 2 s to the end, teardown
 * included (jemalloc purges nothing in those 2 s).
 * Usage: LD_PRELOAD=libjemalloc.so.2 c_jemalloc_geofence_teardown_flat SECONDS */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pacing.h"

enum { kFences = 30000, kGrid = 128, kVehicles = 10000, kRing = 1024, kPositionsPerTick = 100 };
static const double kWorld = 1000.0; /* km on a side */
static const double kShutdownBeforeEndS = 2.0;

struct point {
    double x, y;
};

struct fence {
    uint32_t id;
    uint32_t vertices;
    struct point* polygon;
    double min_x, min_y, max_x, max_y;
    char* name;
    char* tag;
};

struct cell {
    uint32_t* ids;
    uint32_t count, capacity;
};

struct vehicle {
    struct point at;
    struct point heading;
    uint32_t inside; /* the fence it is in, or UINT32_MAX */
};

struct service {
    struct fence* fences;
    struct cell* grid;
    struct vehicle* fleet;
    char* ring[kRing];
    uint64_t ring_written, ring_drained;
    uint64_t positions, events, posts, post_bytes;
    uint64_t seed;
    double stop_at;
    int stopped;
};

static uint32_t next_random(struct service* s) {
    s->seed = s->seed * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(s->seed >> 33);
}

static double uniform(struct service* s) { return (double)next_random(s) / 4294967296.0; }

static int cell_of(double v) {
    int c = (int)(v / kWorld * kGrid);
    return c < 0 ? 0 : c >= kGrid ? kGrid - 1 : c;
}

static void cell_add(struct cell* c, uint32_t id) {
    if (c->count == c->capacity) {
        c->capacity = c->capacity ? c->capacity * 2 : 4;
        c->ids = realloc(c->ids, c->capacity * sizeof *c->ids);
    }
    c->ids[c->count++] = id;
}

__attribute__((noinline)) static void load_fence(struct service* s, uint32_t id) {
    struct fence* f = &s->fences[id];
    f->id = id;
    f->vertices = 8 + next_random(s) % 113;
    f->polygon = malloc(f->vertices * sizeof *f->polygon);
    const double cx = uniform(s) * kWorld, cy = uniform(s) * kWorld, r = 0.5 + uniform(s) * 6.0;
    f->min_x = f->min_y = 1e300;
    f->max_x = f->max_y = -1e300;
    for (uint32_t v = 0; v < f->vertices; ++v) {
        const double a = 6.283185307179586 * v / f->vertices, rr = r * (0.7 + 0.3 * uniform(s));
        struct point p = {cx + rr * cos(a), cy + rr * sin(a)};
        f->polygon[v] = p;
        f->min_x = fmin(f->min_x, p.x), f->max_x = fmax(f->max_x, p.x);
        f->min_y = fmin(f->min_y, p.y), f->max_y = fmax(f->max_y, p.y);
    }
    char text[96];
    snprintf(text, sizeof text, "depot-%05u/%s-zone-%u", id, (id % 3) ? "delivery" : "restricted", id % 977);
    f->name = strdup(text);
    snprintf(text, sizeof text, "customer=%u;priority=%u", id % 5000, id % 4);
    f->tag = strdup(text);
    for (int gx = cell_of(f->min_x); gx <= cell_of(f->max_x); ++gx)
        for (int gy = cell_of(f->min_y); gy <= cell_of(f->max_y); ++gy) cell_add(&s->grid[gx * kGrid + gy], id);
}

static int inside(const struct fence* f, struct point p) {
    if (p.x < f->min_x || p.x > f->max_x || p.y < f->min_y || p.y > f->max_y) return 0;
    int in = 0;
    for (uint32_t i = 0, j = f->vertices - 1; i < f->vertices; j = i++) {
        const struct point a = f->polygon[i], b = f->polygon[j];
        if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) in = !in;
    }
    return in;
}

static void emit(struct service* s, const char* kind, uint32_t vehicle, uint32_t fence_id) {
    char text[256];
    int n = snprintf(text, sizeof text, "{\"event\":\"%s\",\"vehicle\":%u,\"fence\":\"%s\",\"tag\":\"%s\"}", kind,
                     vehicle, s->fences[fence_id].name, s->fences[fence_id].tag);
    char** slot = &s->ring[s->ring_written++ % kRing];
    free(*slot);
    *slot = malloc((size_t)n + 1);
    memcpy(*slot, text, (size_t)n + 1);
    ++s->events;
}

static void track(struct service* s, uint32_t v) {
    struct vehicle* car = &s->fleet[v];
    car->at.x = fmod(car->at.x + car->heading.x + kWorld, kWorld);
    car->at.y = fmod(car->at.y + car->heading.y + kWorld, kWorld);
    const struct cell* c = &s->grid[cell_of(car->at.x) * kGrid + cell_of(car->at.y)];
    /* The candidates, copied so the grid lock (in the threaded original) is held only briefly. */
    uint32_t* candidates = malloc((c->count + 1) * sizeof *candidates);
    memcpy(candidates, c->ids, c->count * sizeof *candidates);
    uint32_t now_inside = UINT32_MAX;
    for (uint32_t k = 0; k < c->count; ++k)
        if (inside(&s->fences[candidates[k]], car->at)) {
            now_inside = candidates[k];
            break;
        }
    if (now_inside != car->inside) {
        if (car->inside != UINT32_MAX) emit(s, "exit", v, car->inside);
        if (now_inside != UINT32_MAX) emit(s, "enter", v, now_inside);
        car->inside = now_inside;
    }
    free(candidates);
    ++s->positions;
}

static void shut_down_tracking(struct service* s) {
    for (uint32_t id = 0; id < kFences; ++id) {
        free(s->fences[id].polygon);
        free(s->fences[id].name);
        free(s->fences[id].tag);
    }
    free(s->fences);
    for (int k = 0; k < kGrid * kGrid; ++k) free(s->grid[k].ids);
    free(s->grid);
    free(s->fleet);
    s->fences = NULL;
    s->grid = NULL;
    s->fleet = NULL;
}

/* Posts the oldest events to the webhook, 25 a tick. */
static void drain_events(struct service* s) {
    for (int k = 0; k < 25 && s->ring_drained < s->ring_written; ++k) {
        char** slot = &s->ring[s->ring_drained++ % kRing];
        if (!*slot) continue;
        size_t n = strlen(*slot) + 64;
        char* post = malloc(n);
        s->post_bytes += (uint64_t)snprintf(post, n, "POST /hooks/fleet {\"batch\":[%s]}", *slot);
        free(post);
        free(*slot);
        *slot = NULL;
        ++s->posts;
    }
}

static void tick(long i, double t, void* state) {
    struct service* s = state;
    (void)i;
    if (t < s->stop_at) {
        for (int k = 0; k < kPositionsPerTick; ++k) track(s, next_random(s) % kVehicles);
        return;
    }
    if (!s->stopped) {
        s->stopped = 1;
        shut_down_tracking(s);
        /* Only the events not yet overwritten are still in the ring. */
        if (s->ring_written > kRing) s->ring_drained = s->ring_written - kRing;
    }
    drain_events(s);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct service* s = calloc(1, sizeof *s);
    s->seed = 1515;
    s->fences = calloc(kFences, sizeof *s->fences);
    s->grid = calloc(kGrid * kGrid, sizeof *s->grid);
    for (uint32_t id = 0; id < kFences; ++id) load_fence(s, id);
    s->fleet = calloc(kVehicles, sizeof *s->fleet);
    for (uint32_t v = 0; v < kVehicles; ++v) {
        s->fleet[v].at = (struct point){uniform(s) * kWorld, uniform(s) * kWorld};
        s->fleet[v].heading = (struct point){uniform(s) * 0.4 - 0.2, uniform(s) * 0.4 - 0.2};
        s->fleet[v].inside = UINT32_MAX;
    }
    s->stop_at = seconds - kShutdownBeforeEndS;
    pattern_every(0.02, seconds, tick, s);
    for (int k = 0; k < kRing; ++k) free(s->ring[k]);
    fprintf(stderr, "%llu positions, %llu events, %llu posted (%llu bytes) in the drain\n",
            (unsigned long long)s->positions, (unsigned long long)s->events, (unsigned long long)s->posts,
            (unsigned long long)s->post_bytes);
    free(s);
    return 0;
}
