/* A flat C service whose threads churn buffers of mixed sizes under a bounded queue (written in session
 * 23 as a held-out check, never tuned on): a metrics collection agent. Its scheduler thread scrapes 40
 * targets, each once a second (40 scrapes a second, staggered): every scrape's body (the text exposition
 * format, 2-150 KiB as the target's series count varies) is read into a buffer malloc'd at its
 * Content-Length and put on a bounded queue of 16 bodies (the scheduler waits when it is full). Three
 * parser threads take bodies off the queue, parse them into an array of samples (grown by realloc) and
 * their label sets (small strings, 60-130 bytes each, one per series), encode a remote-write batch (a
 * buffer a third of the body) and send it (a 30-60 ms round trip, the body, the samples and the batch
 * still held), then free the body (on another thread than the one that allocated it), the samples
 * array and the batch. The label sets stay as the target's "last scrape" state, so that the series
 * missing from its next scrape get a staleness marker: each scrape's set replaces the previous one of
 * its target (freed by whichever parser thread takes the next scrape).
 * Truth: not a leak: a warm-up, then flat. The live heap fills in the first second, as every target is
 * scraped once (40 targets' label sets, ~2.7 MB, and the bodies and samples in flight), to ~3.2 MB,
 * then moves around that level (the sizes in flight vary) with no trend; RSS rises with it and settles
 * over the next few seconds as the scheduler's and the parsers' glibc arenas (and the mmap threshold,
 * raised by the first big body freed) reach the sizes the mix needs.
 * Measured (session 23, tests/accuracy/measure.py): tracked, live heap 0.40 MB at 0 s, 3.85 MB at 1.3 s,
 * then 2.81-3.79 MB to the end, -3 kB/s over 3-16 s (-20 kB/s over 3-9 s, +6 kB/s over 9-16 s), RSS
 * 8.9 MB at 1.3 s, 9.9 at 3 s, 10.3 at 9 s and 16 s (+51 kB/s over 3-9 s, +2 kB/s over 9-16 s);
 * --plain, RSS 6.03 MB at 3 s, 6.52 at 9 s, 6.56 at 16 s (+79 kB/s over 3-9 s, -0.3 kB/s over 9-16 s);
 * 640 scrapes, 429,616 samples sent.
 * Usage: c_scrape_parser_pool_flat SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

#define TARGETS 40
#define QUEUE_CAPACITY 16
#define PARSERS 3

struct body {
    unsigned target;
    char* text;
    size_t length;
};

struct queue {
    struct body* items[QUEUE_CAPACITY];
    size_t head, count;
    int closed;
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
};

struct sample {
    char* labels; /* the series' label set, as scraped */
    double value;
    int64_t timestamp_ms;
};

/* What the agent remembers of a target between scrapes: the series of its last scrape, so that the
 * series missing from the next one get a staleness marker. Replaced at every scrape. */
struct target_state {
    pthread_mutex_t lock;
    char** series;
    size_t count;
    uint64_t stale_markers;
};

struct agent {
    struct queue queue;
    struct target_state targets[TARGETS];
    uint64_t scrapes;
    uint64_t samples_sent[PARSERS];
    uint64_t bytes_sent[PARSERS];
};

static void queue_push(struct queue* q, struct body* b) {
    pthread_mutex_lock(&q->lock);
    while (q->count == QUEUE_CAPACITY) pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count) % QUEUE_CAPACITY] = b;
    q->count++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static struct body* queue_pop(struct queue* q) {
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed) pthread_cond_wait(&q->not_empty, &q->lock);
    struct body* b = NULL;
    if (q->count > 0) {
        b = q->items[q->head];
        q->head = (q->head + 1) % QUEUE_CAPACITY;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

static const char* kMetrics[] = {"http_requests_total", "http_request_duration_seconds_bucket",
                                 "process_resident_memory_bytes", "go_gc_duration_seconds",
                                 "node_network_receive_bytes_total", "kafka_consumer_lag"};

/* One scrape: the target's exposition text, its size varying from scrape to scrape. */
static struct body* scrape(unsigned target, uint64_t n) {
    const uint64_t h = mix(n * TARGETS + target);
    const size_t length = 2048 + (size_t)(mix(target) % 100000) + (size_t)(h % 51200); /* 2-150 KiB */
    struct body* b = malloc(sizeof *b);
    b->target = target;
    b->text = malloc(length + 1);
    b->length = 0;
    uint64_t series = 0;
    while (b->length + 200 < length) {
        const uint64_t s = mix(h + series++);
        b->length += (size_t)snprintf(b->text + b->length, length + 1 - b->length,
                                      "%s{instance=\"10.%u.%u.%u:9100\",job=\"%s\",le=\"%.*s\"} %llu.%02u\n",
                                      kMetrics[s % 6], target, (unsigned)(s >> 8) % 256, (unsigned)(s >> 16) % 256,
                                      s % 3 ? "node" : "api-gateway", (int)(1 + s % 40),
                                      "0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10",
                                      (unsigned long long)(s >> 24) % 100000, (unsigned)(s % 100));
    }
    b->text[b->length] = '\0';
    return b;
}

/* Parses a body into samples, encodes them as a remote-write batch and sends it: nothing is kept. */
static void parse_and_send(struct agent* agent, int parser, struct body* b) {
    size_t capacity = 64, count = 0;
    struct sample* samples = malloc(capacity * sizeof *samples);
    char* line = b->text;
    while (*line) {
        char* end = strchr(line, '\n');
        if (!end) break;
        char* space = memchr(line, ' ', (size_t)(end - line));
        if (space) {
            if (count == capacity) {
                capacity *= 2;
                samples = realloc(samples, capacity * sizeof *samples);
            }
            samples[count].labels = strndup(line, (size_t)(space - line));
            samples[count].value = strtod(space + 1, NULL);
            samples[count].timestamp_ms = (int64_t)b->target * 1000;
            count++;
        }
        line = end + 1;
    }
    /* The batch: a varint-ish encoding, about a third of the text. */
    char* batch = malloc(b->length / 3 + 64);
    size_t batch_length = 0;
    for (size_t i = 0; i < count; ++i) {
        const size_t take = strlen(samples[i].labels) / 4 + 8;
        if (batch_length + take > b->length / 3 + 64) break;
        memcpy(batch + batch_length, samples[i].labels, take < 8 ? take : 8);
        batch_length += take;
    }
    /* The remote-write round trip (30-60 ms), with the batch, the samples and the body still held. */
    const uint64_t h = mix((uint64_t)b->length * 31 + b->target);
    const struct timespec rtt = {0, (long)(30 + h % 31) * 1000000L};
    nanosleep(&rtt, NULL);
    agent->samples_sent[parser] += count;
    agent->bytes_sent[parser] += batch_length;
    free(batch);
    /* This scrape's series become the target's state; the previous scrape's are dropped. */
    char** series = malloc((count ? count : 1) * sizeof *series);
    for (size_t i = 0; i < count; ++i) series[i] = samples[i].labels;
    struct target_state* state = &agent->targets[b->target];
    pthread_mutex_lock(&state->lock);
    char** old = state->series;
    const size_t old_count = state->count;
    state->series = series;
    state->count = count;
    state->stale_markers += old_count > count ? old_count - count : 0;
    pthread_mutex_unlock(&state->lock);
    for (size_t i = 0; i < old_count; ++i) free(old[i]);
    free(old);
    free(samples);
    free(b->text);
    free(b);
}

struct parser_arg {
    struct agent* agent;
    int index;
};

static void* parser_main(void* arg) {
    struct parser_arg* p = arg;
    struct body* b;
    while ((b = queue_pop(&p->agent->queue)) != NULL) parse_and_send(p->agent, p->index, b);
    return NULL;
}

/* One scheduler tick (25 ms): the one target due now is scraped (each target once a second). */
static void scheduler_tick(long i, double t, void* state) {
    (void)t;
    struct agent* agent = state;
    queue_push(&agent->queue, scrape((unsigned)(i % TARGETS), (uint64_t)i));
    agent->scrapes++;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    static struct agent agent;
    for (int t = 0; t < TARGETS; ++t) pthread_mutex_init(&agent.targets[t].lock, NULL);
    pthread_mutex_init(&agent.queue.lock, NULL);
    pthread_cond_init(&agent.queue.not_empty, NULL);
    pthread_cond_init(&agent.queue.not_full, NULL);
    pthread_t parsers[PARSERS];
    struct parser_arg args[PARSERS];
    for (int p = 0; p < PARSERS; ++p) {
        args[p] = (struct parser_arg){&agent, p};
        pthread_create(&parsers[p], NULL, parser_main, &args[p]);
    }
    pattern_every(1.0 / TARGETS, seconds, scheduler_tick, &agent);
    pthread_mutex_lock(&agent.queue.lock);
    agent.queue.closed = 1;
    pthread_cond_broadcast(&agent.queue.not_empty);
    pthread_mutex_unlock(&agent.queue.lock);
    uint64_t samples = 0, bytes = 0;
    for (int p = 0; p < PARSERS; ++p) {
        pthread_join(parsers[p], NULL);
        samples += agent.samples_sent[p];
        bytes += agent.bytes_sent[p];
    }
    fprintf(stderr, "%llu scrapes, %llu samples sent in %llu bytes\n", (unsigned long long)agent.scrapes,
            (unsigned long long)samples, (unsigned long long)bytes);
    return 0;
}
