/* A flat C telemetry agent (not a leak, though its RSS moves): it reads 2,000 samples a second into a
 * ring of 65,536 records allocated once, and every second builds a report: a malloc'ed array of 4,096
 * aggregated strings (strdup), written to /dev/null and freed. The heap rises by ~300 kB for the
 * report's 200 ms, then falls: periodic spikes over a flat base. The ring comes from calloc, so its
 * pages become resident only as records are first written: RSS rises ~128 kB/s for the ring's first
 * 33 s although nothing is allocated after the start (measured: tests/accuracy/measure.py).
 * Truth: no leak; a flat heap (the ring, 4 MB, allocated at start) with the reports' spikes. With RSS
 * alone the ring filling is what shows: a warm-up toward the ring's size (manifest rss_patterns).
 * Usage: c_ring_buffer_flat SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

typedef struct {
    double t;
    int sensor;
    double value;
    char tag[40];
} Record;

typedef struct {
    Record* ring;
    size_t capacity, head;
    char** report;
    size_t report_lines;
    FILE* sink;
} Agent;

static void build_report(Agent* agent) {
    agent->report = malloc(4096 * sizeof(char*));
    for (size_t i = 0; i < 4096; ++i) {
        const Record* r = &agent->ring[(agent->head + agent->capacity - 1 - i) % agent->capacity];
        char line[96];
        snprintf(line, sizeof line, "%.3f sensor=%d value=%.4f tag=%s", r->t, r->sensor, r->value, r->tag);
        agent->report[i] = strdup(line);
    }
    agent->report_lines = 4096;
}

static void flush_report(Agent* agent) {
    for (size_t i = 0; i < agent->report_lines; ++i) {
        fputs(agent->report[i], agent->sink);
        free(agent->report[i]);
    }
    free(agent->report);
    agent->report = NULL;
    agent->report_lines = 0;
}

static void tick(long i, double t, void* state) {
    Agent* agent = state;
    for (int k = 0; k < 20; ++k) {
        Record* r = &agent->ring[agent->head++ % agent->capacity];
        r->t = t;
        r->sensor = (int)((i * 20 + k) % 64);
        r->value = (double)((i * 7 + k) % 1000) / 10.0;
        snprintf(r->tag, sizeof r->tag, "rack-%02d/unit-%03d", r->sensor % 12, r->sensor);
    }
    if (i % 100 == 0) build_report(agent);        /* once a second */
    if (i % 100 == 20 && agent->report) flush_report(agent);  /* 200 ms later */
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 14);
    Agent agent = {0};
    agent.capacity = 65536;
    agent.ring = calloc(agent.capacity, sizeof(Record));
    agent.sink = fopen("/dev/null", "w");
    if (!agent.ring || !agent.sink) return 1;
    pattern_every(0.01, seconds, tick, &agent);
    if (agent.report) flush_report(&agent);
    printf("%zu records\n", agent.head);
    fclose(agent.sink);
    free(agent.ring);
    return 0;
}
