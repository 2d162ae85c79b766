/* A leak that starts late, after a flat phase, in mid-size blocks (written in session 17 as a held-out
 * check, never tuned on): a C MQTT broker for a fleet of 2,000 building sensors. At start it loads its
 * persisted retained messages (the last "status" of every device, 300-1,500 B). Then, 50 times a
 * second, it takes 8 telemetry messages (200 B-6 KiB) and fans each out to the 3 subscribed backends'
 * outbound queues (one copy per queue, sent and freed on the next tick), and 2 status updates
 * published with the retain flag, each replacing its topic's retained message in the store (the old
 * one freed). So far the broker is flat. At 7 s a firmware rollout reaches the fleet, and the new
 * firmware publishes its alarm events with the retain flag too, on a topic per event
 * ("sites/<site>/devices/<id>/events/<seq>"): 60 a second, 1-8 KiB each. The broker does what MQTT
 * says: it keeps the last message of every retained topic, and no topic is ever published twice, so
 * the store grows by each event for good (no cap, no expiry configured).
 * Truth: flat until 7 s, then a leak, linear: 60 retained events a second, each its payload (1-8 KiB,
 * uniform: ~4.6 kB), its topic string and its store entry, ~280 kB/s. They are allocated in
 * retain_message, which also allocates the status messages that replace each other before 7 s.
 * Measured (tests/accuracy/measure.py, session 17): live heap 2.58 MB over 1-7 s (+0.7 kB/s), 2.59 ->
 * 5.57 MB over 7-18 s (+279 kB/s, the same over 8-18 s); RSS without the tracker 4.28-4.38 MB over
 * 1-7 s, +297 kB/s over 8-18 s; 658 alarm events retained at 18 s.
 * Usage: c_mqtt_retained_event_late_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum { kDevices = 2000, kBuckets = 65536, kSubscribers = 3, kTelemetryPerTick = 8, kStatusPerTick = 2 };
#define FIRMWARE_ROLLOUT_S 7.0
#define RETAINED_EVENTS_PER_S 60.0

struct retained {
    char* topic;
    unsigned char* payload;
    size_t length;
    struct retained* next;
};

struct outbound {
    unsigned char* payload;
    size_t length;
    struct outbound* next;
};

struct broker {
    struct retained** buckets;
    size_t retained_count, retained_bytes;
    struct outbound* queues[kSubscribers];
    uint64_t seed, delivered_bytes, published, alarm_events;
};

static uint64_t next_random(struct broker* b) {
    b->seed = b->seed * 6364136223846793005ull + 1442695040888963407ull;
    return b->seed >> 17;
}

static unsigned topic_bucket(const char* topic) {
    uint64_t h = 1469598103934665603ull;
    for (; *topic; ++topic) h = (h ^ (unsigned char)*topic) * 1099511628211ull;
    return (unsigned)(h % kBuckets);
}

static unsigned char* payload_of(struct broker* b, size_t length) {
    unsigned char* payload = malloc(length);
    memset(payload, (int)(next_random(b) & 0xff), length);
    return payload;
}

/* MQTT 3.3.1.3: a retained PUBLISH replaces the topic's retained message (a new topic gets one). */
__attribute__((noinline)) static void retain_message(struct broker* b, const char* topic, size_t length) {
    struct retained** link = &b->buckets[topic_bucket(topic)];
    while (*link && strcmp((*link)->topic, topic) != 0) link = &(*link)->next;
    struct retained* entry = *link;
    if (entry) {
        b->retained_bytes -= entry->length;
        free(entry->payload);
    } else {
        entry = calloc(1, sizeof *entry);
        entry->topic = strdup(topic);
        *link = entry;
        ++b->retained_count;
    }
    entry->payload = payload_of(b, length);
    entry->length = length;
    b->retained_bytes += length;
}

static void fan_out(struct broker* b, size_t length) {
    for (int s = 0; s < kSubscribers; ++s) {
        struct outbound* message = malloc(sizeof *message);
        message->payload = payload_of(b, length);
        message->length = length;
        message->next = b->queues[s];
        b->queues[s] = message;
    }
}

/* The backends' connections drain their queues (written to the socket, then freed). */
static void send_queues(struct broker* b) {
    for (int s = 0; s < kSubscribers; ++s) {
        while (b->queues[s]) {
            struct outbound* message = b->queues[s];
            b->queues[s] = message->next;
            b->delivered_bytes += message->length;
            free(message->payload);
            free(message);
        }
    }
}

static void status_topic(char* topic, size_t size, unsigned device) {
    snprintf(topic, size, "sites/%u/devices/%u/status", device / 50, device);
}

static void tick(long i, double t, void* state) {
    struct broker* b = state;
    char topic[128];
    send_queues(b);
    for (int k = 0; k < kTelemetryPerTick; ++k) {
        fan_out(b, 200 + next_random(b) % 5945);
        ++b->published;
    }
    for (int k = 0; k < kStatusPerTick; ++k) {
        status_topic(topic, sizeof topic, (unsigned)(next_random(b) % kDevices));
        retain_message(b, topic, 300 + next_random(b) % 1201);
        ++b->published;
    }
    if (t >= FIRMWARE_ROLLOUT_S) {
        const uint64_t due = (uint64_t)((t - FIRMWARE_ROLLOUT_S) * RETAINED_EVENTS_PER_S);
        while (b->alarm_events < due) {
            const unsigned device = (unsigned)(next_random(b) % kDevices);
            snprintf(topic, sizeof topic, "sites/%u/devices/%u/events/%llu", device / 50, device,
                     (unsigned long long)(1000000 + b->alarm_events));
            retain_message(b, topic, 1024 + next_random(b) % 7169);
            ++b->alarm_events;
            ++b->published;
        }
    }
    (void)i;
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    struct broker* b = calloc(1, sizeof *b);
    b->seed = 1883;
    b->buckets = calloc(kBuckets, sizeof *b->buckets);
    char topic[128];
    for (unsigned device = 0; device < kDevices; ++device) { /* the persisted retained store */
        status_topic(topic, sizeof topic, device);
        retain_message(b, topic, 300 + next_random(b) % 1201);
    }
    pattern_every(0.02, seconds, tick, b);
    send_queues(b);
    fprintf(stderr, "%llu published, %zu retained topics (%.1f MB), %llu retained alarm events, %.1f MB delivered\n",
            (unsigned long long)b->published, b->retained_count, (double)b->retained_bytes / 1e6,
            (unsigned long long)b->alarm_events, (double)b->delivered_bytes / 1e6);
    return 0;
}
