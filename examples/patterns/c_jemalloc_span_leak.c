/* A slow leak under jemalloc (run with LD_PRELOAD of Debian's libjemalloc2, see the manifest; written
 * in session 7 as a held-out check, never tuned on): a tracing agent receives spans on 3 threads,
 * 500 spans a second each. A span carries 8 attributes (malloc'd key and value strings); it is queued
 * and freed when its batch is exported, 10 times a second. Every 40th span ends in error, and the
 * error path copies the span's attributes into an "error summary" for the exporter, then drops the
 * pointer (the summary is never attached or freed): those copies are unreachable. Beside it the agent
 * keeps a 48 MB sampling table built at start.
 * Truth: a slow leak, linear: 1,500 / 40 = 37.5 lost summaries a second (the 8 x 16-byte array and
 * 16 strdup'd strings), measured on the live heap at 28,950 B/s from the start (48.15 MB at 3 s,
 * 48.59 MB at 18 s), on a ~55 MB process: ~0.5 MB over the run, about 1% of it. RSS, jemalloc's
 * pages, rises 50-100 kB/s over the same windows (54.9 MB at 3 s, 56.0 MB at 18 s). The lost copies
 * are allocated in copy_error_summary.
 * Usage: c_jemalloc_span_leak SECONDS */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kAttributes = 8, kBatch = 64 };

struct attribute {
    char* key;
    char* value;
};

struct span {
    uint64_t id;
    int error;
    struct attribute attrs[kAttributes];
};

struct agent_thread {
    int index;
    double seconds;
    uint64_t next_id;
    struct span* batch[kBatch];
    int batched;
    uint64_t exported;
    uint64_t errors;
};

static uint32_t* sampling_table;
static const size_t kSamplingEntries = 12u * 1000 * 1000; /* 48 MB */

static char* text(const char* prefix, uint64_t n, size_t len) {
    char* s = malloc(len + 1);
    size_t used = (size_t)snprintf(s, len + 1, "%s-%llu-", prefix, (unsigned long long)n);
    if (used < len) memset(s + used, 'v', len - used);
    s[len] = '\0';
    return s;
}

static struct span* receive_span(uint64_t id) {
    struct span* s = malloc(sizeof *s);
    s->id = id;
    s->error = id % 40 == 39;
    for (int k = 0; k < kAttributes; ++k) {
        s->attrs[k].key = text("attr", (uint64_t)k, 16 + (size_t)k * 2);
        s->attrs[k].value = text("val", id, 24 + (size_t)((id + (uint64_t)k) % 64));
    }
    return s;
}

/* The bug: the summary is built for the exporter and its pointer is dropped. */
__attribute__((noinline)) static size_t copy_error_summary(const struct span* s) {
    struct attribute* summary = malloc(sizeof(struct attribute) * kAttributes);
    size_t bytes = 0;
    for (int k = 0; k < kAttributes; ++k) {
        summary[k].key = strdup(s->attrs[k].key);
        summary[k].value = strdup(s->attrs[k].value);
        bytes += strlen(summary[k].value);
    }
    return bytes;
}

static void free_span(struct span* s) {
    for (int k = 0; k < kAttributes; ++k) {
        free(s->attrs[k].key);
        free(s->attrs[k].value);
    }
    free(s);
}

static void export_batch(struct agent_thread* a) {
    for (int k = 0; k < a->batched; ++k) {
        a->exported += sampling_table[a->batch[k]->id % kSamplingEntries] & 1u;
        free_span(a->batch[k]);
    }
    a->batched = 0;
}

/* One tick: 5 spans received; every 10th tick the batch is exported. */
static void tick(long i, double t, void* state) {
    (void)t;
    struct agent_thread* a = state;
    for (int k = 0; k < 5; ++k) {
        struct span* s = receive_span(a->next_id++ * 3 + (uint64_t)a->index);
        if (s->error) a->errors += copy_error_summary(s);
        if (a->batched == kBatch) export_batch(a);
        a->batch[a->batched++] = s;
    }
    if (i % 10 == 9) export_batch(a);
}

static void* agent_main(void* arg) {
    struct agent_thread* a = arg;
    pattern_every(0.01, a->seconds, tick, a);
    export_batch(a);
    return NULL;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    sampling_table = malloc(kSamplingEntries * sizeof *sampling_table);
    for (size_t k = 0; k < kSamplingEntries; ++k) sampling_table[k] = (uint32_t)(k * 2654435761u);
    struct agent_thread agents[3];
    pthread_t threads[3];
    for (int t = 0; t < 3; ++t) {
        memset(&agents[t], 0, sizeof agents[t]);
        agents[t].index = t;
        agents[t].seconds = seconds;
        pthread_create(&threads[t], NULL, agent_main, &agents[t]);
    }
    uint64_t exported = 0, errors = 0;
    for (int t = 0; t < 3; ++t) {
        pthread_join(threads[t], NULL);
        exported += agents[t].exported;
        errors += agents[t].errors;
    }
    printf("%llu sampled, %llu error bytes summarized\n", (unsigned long long)exported, (unsigned long long)errors);
    free(sampling_table);
    return 0;
}
