/* A late leak of unreachable blocks on two threads (written in session 25, batch 9, as a held-out check,
 * never tuned on): the central system (CSMS) of an EV charging network, speaking OCPP 1.6-J to 8,000
 * charge points over websockets. At start it loads its registry: every charge point's identity, its
 * connectors (status, meter, tariff) and its local list of authorized RFID tags. Two websocket worker
 * threads (4,000 charge points each) then take 1,200 frames a second between them: Heartbeats,
 * MeterValues, StatusNotifications, Authorize and Start/StopTransaction calls. Each frame is parsed into
 * a call (the frame's copy and its token array, from a jsmn-style tokenizer), dispatched, answered and
 * freed. At 40% of the run a scheduled firmware rollout brings 2,000 of the charge points back on a
 * release that also reports the status of connector 0 (the charge point as a whole, which OCPP allows)
 * every 10 s; the StatusNotification handler was written for connectors 1..n, and its unknown-connector
 * branch answers with a CALLERROR and returns before the call is freed.
 * Truth: a late leak, unreachable, linear from 40% of the run (7.2 s of an 18 s run): 200 connector-0
 * notifications a second, each leaving its call (the token array, 64 tokens of 16 B, allocated in
 * ocpp_tokenize; the frame's copy, ~250 B, with the call's header, in ocpp_parse_call): ~1,280 B, ~256
 * kB/s, ~2.8 MB by the end. Before it, flat after the registry's load in the first ~0.2 s (~28 MB: the
 * warm-up, most of it the 192,000 RFID tags); every other frame is freed as soon as it is answered.
 * Measured (session 25, tests/accuracy/measure.py): tracked, live heap 28.16 MB from 0.2 s to 7 s (-128
 * B/s), 28.31 at 8 s, 30.85 at 18 s (+257 kB/s over 8-18 s, +257 over 8-13 s and 13-18 s), RSS 42.9 MB
 * flat to 7 s, then +269 kB/s over 8-18 s; --plain, RSS 33.21 MB from 0.2 s to 7 s, 33.41 at 8 s, 36.00
 * at 18 s (+262 kB/s over 8-18 s, +262 over 8-13 s and 13-18 s); 23,760 frames, 2,160 CALLERRORs on
 * unknown connectors, 43,004 meter samples.
 * Usage: c_ocpp_firmware_status_late_leak SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kChargePoints = 8000, kWorkers = 2, kMaxConnectors = 4, kTags = 24, kTokens = 64 };

struct connector {
    char status[16];  /* Available, Charging, SuspendedEV, Faulted ... */
    uint64_t meter_wh;
    int transaction_id;
    double tariff_per_kwh;
};

struct charge_point {
    char identity[40];
    char vendor[24], model[32], firmware[24];
    int connector_count;
    struct connector connectors[kMaxConnectors];
    char* local_list[kTags]; /* authorized RFID tags, each with its expiry and parent tag */
    double last_heartbeat;
    int upgraded;
};

enum token_type { kObject, kArray, kString, kPrimitive };

struct token {
    int type;
    int start, end;
    int children;
};

/* One parsed OCPP call: [2, "uniqueId", "Action", {payload}]. */
struct ocpp_call {
    struct token* tokens;
    int token_count;
    size_t length;
    char frame[]; /* the frame as received, the tokens point into it */
};

struct worker {
    int index;
    struct charge_point* points; /* this worker's share */
    int point_count;
    double rollout_at;
    uint64_t frames, errors, meter_samples;
};

static struct charge_point* g_registry;
static double g_seconds;

static void load_registry(void) {
    g_registry = calloc(kChargePoints, sizeof *g_registry);
    for (int p = 0; p < kChargePoints; ++p) {
        struct charge_point* cp = &g_registry[p];
        const uint64_t h = mix((uint64_t)p + 0x0cc9);
        snprintf(cp->identity, sizeof cp->identity, "DE*EVN*E%06d*%llu", p, (unsigned long long)(h % 97));
        snprintf(cp->vendor, sizeof cp->vendor, "%s", h % 3 ? "Wallbe" : "ABB");
        snprintf(cp->model, sizeof cp->model, "%s-%llu", h % 3 ? "Pro-22" : "Terra-AC", (unsigned long long)(h % 7));
        snprintf(cp->firmware, sizeof cp->firmware, "2.0.%llu", (unsigned long long)(h % 9));
        cp->connector_count = 1 + (int)(h % 3);
        for (int c = 0; c < cp->connector_count; ++c) {
            snprintf(cp->connectors[c].status, sizeof cp->connectors[c].status, "Available");
            cp->connectors[c].tariff_per_kwh = 0.39 + (double)(h % 20) / 100.0;
        }
        for (int t = 0; t < kTags; ++t) {
            char tag[160];
            snprintf(tag, sizeof tag, "{\"idTag\":\"%016llX\",\"idTagInfo\":{\"status\":\"Accepted\",\"expiryDate\":"
                     "\"2027-%02d-01T00:00:00Z\",\"parentIdTag\":\"FLEET%05llu\"}}",
                     (unsigned long long)mix(h + (uint64_t)t), 1 + t % 12, (unsigned long long)(h % 40000));
            cp->local_list[t] = strdup(tag);
        }
    }
}

/* A jsmn-style tokenizer: strings, primitives, objects and arrays, each with its span in the frame. */
__attribute__((noinline)) static struct token* ocpp_tokenize(const char* s, size_t length, int* count) {
    struct token* tokens = malloc(kTokens * sizeof *tokens);
    int n = 0, stack[16], depth = 0;
    for (size_t i = 0; i < length && n < kTokens; ++i) {
        const char c = s[i];
        if (c == '{' || c == '[') {
            tokens[n] = (struct token){c == '{' ? kObject : kArray, (int)i, -1, 0};
            if (depth > 0) tokens[stack[depth - 1]].children++;
            if (depth < 16) stack[depth++] = n;
            n++;
        } else if (c == '}' || c == ']') {
            if (depth > 0) tokens[stack[--depth]].end = (int)i + 1;
        } else if (c == '"') {
            size_t j = i + 1;
            while (j < length && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
            tokens[n] = (struct token){kString, (int)i + 1, (int)j, 0};
            if (depth > 0) tokens[stack[depth - 1]].children++;
            n++;
            i = j;
        } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
            size_t j = i;
            while (j < length && s[j] != ',' && s[j] != ']' && s[j] != '}') ++j;
            tokens[n] = (struct token){kPrimitive, (int)i, (int)j, 0};
            if (depth > 0) tokens[stack[depth - 1]].children++;
            n++;
            i = j - 1;
        }
    }
    *count = n;
    return tokens;
}

__attribute__((noinline)) static struct ocpp_call* ocpp_parse_call(const char* frame, size_t length) {
    struct ocpp_call* call = malloc(sizeof *call + length + 1);
    memcpy(call->frame, frame, length);
    call->frame[length] = 0;
    call->length = length;
    call->tokens = ocpp_tokenize(call->frame, length, &call->token_count);
    return call;
}

static void ocpp_free_call(struct ocpp_call* call) {
    free(call->tokens);
    free(call);
}

static int token_is(const struct ocpp_call* call, int t, const char* text) {
    const struct token* tok = &call->tokens[t];
    const size_t n = strlen(text);
    return tok->end - tok->start == (int)n && memcmp(call->frame + tok->start, text, n) == 0;
}

/* The value token after the key `key` in the payload object, or -1. */
static int find_value(const struct ocpp_call* call, const char* key) {
    for (int t = 4; t + 1 < call->token_count; ++t)
        if (call->tokens[t].type == kString && token_is(call, t, key)) return t + 1;
    return -1;
}

static long token_long(const struct ocpp_call* call, int t) {
    return t < 0 ? -1 : strtol(call->frame + call->tokens[t].start, NULL, 10);
}

/* The reply (CALLRESULT or CALLERROR) goes back on the websocket: written into the worker's buffer. */
static void send_reply(char* out, size_t size, const struct ocpp_call* call, const char* body) {
    const struct token* id = &call->tokens[2];
    snprintf(out, size, "[3,\"%.*s\",%s]", id->end - id->start, call->frame + id->start, body);
}

static void handle_frame(struct worker* w, struct charge_point* cp, const char* frame, size_t length) {
    char reply[512];
    struct ocpp_call* call = ocpp_parse_call(frame, length);
    w->frames++;
    if (call->token_count < 5) {
        ocpp_free_call(call);
        return;
    }
    if (token_is(call, 3, "StatusNotification")) {
        const long connector = token_long(call, find_value(call, "connectorId"));
        if (connector < 1 || connector > cp->connector_count) {
            /* The bug: the early return skips ocpp_free_call. */
            snprintf(reply, sizeof reply, "[4,\"%.*s\",\"PropertyConstraintViolation\",\"unknown connector\",{}]",
                     call->tokens[2].end - call->tokens[2].start, call->frame + call->tokens[2].start);
            w->errors++;
            return;
        }
        const int status = find_value(call, "status");
        struct connector* c = &cp->connectors[connector - 1];
        snprintf(c->status, sizeof c->status, "%.*s", call->tokens[status].end - call->tokens[status].start,
                 call->frame + call->tokens[status].start);
        send_reply(reply, sizeof reply, call, "{}");
    } else if (token_is(call, 3, "MeterValues")) {
        const long connector = token_long(call, find_value(call, "connectorId"));
        for (int t = 4; t + 1 < call->token_count; ++t)
            if (token_is(call, t, "value")) {
                if (connector >= 1 && connector <= cp->connector_count)
                    cp->connectors[connector - 1].meter_wh = (uint64_t)atof(call->frame + call->tokens[t + 1].start);
                w->meter_samples++;
            }
        send_reply(reply, sizeof reply, call, "{}");
    } else if (token_is(call, 3, "Authorize")) {
        const int tag = find_value(call, "idTag");
        int known = 0;
        for (int k = 0; k < kTags && tag >= 0; ++k)
            known |= strncmp(cp->local_list[k] + 10, call->frame + call->tokens[tag].start, 16) == 0;
        send_reply(reply, sizeof reply, call, known ? "{\"idTagInfo\":{\"status\":\"Accepted\"}}"
                                                    : "{\"idTagInfo\":{\"status\":\"Invalid\"}}");
    } else {
        send_reply(reply, sizeof reply, call, "{\"currentTime\":\"2026-12-06T12:00:00Z\"}");
    }
    ocpp_free_call(call);
}

/* The n-th frame from a charge point: Heartbeat 30%, MeterValues 50%, StatusNotification 12%, Authorize 8%. */
static size_t next_frame(char* out, size_t size, uint64_t n, const struct charge_point* cp) {
    const uint64_t h = mix(n);
    const uint64_t roll = h % 100;
    const int connector = 1 + (int)((h >> 8) % (uint64_t)cp->connector_count);
    if (roll < 30) return (size_t)snprintf(out, size, "[2,\"%llx\",\"Heartbeat\",{}]", (unsigned long long)h);
    if (roll < 80)
        return (size_t)snprintf(out, size,
            "[2,\"%llx\",\"MeterValues\",{\"connectorId\":%d,\"transactionId\":%llu,\"meterValue\":[{\"timestamp\":"
            "\"2026-12-06T12:00:%02llu.000Z\",\"sampledValue\":[{\"value\":%llu,\"measurand\":\"Energy.Active.Import."
            "Register\",\"unit\":\"Wh\"},{\"value\":%llu.%llu,\"measurand\":\"Current.Import\",\"phase\":\"L1\",\"unit\":"
            "\"A\"},{\"value\":%llu,\"measurand\":\"Voltage\",\"phase\":\"L1-N\",\"unit\":\"V\"},{\"value\":%llu,"
            "\"measurand\":\"SoC\",\"location\":\"EV\",\"unit\":\"Percent\"}]}]}]",
            (unsigned long long)h, connector, (unsigned long long)(h % 900000), (unsigned long long)(h % 60),
            (unsigned long long)(h % 90000000), (unsigned long long)(h % 32), (unsigned long long)(h % 10),
            (unsigned long long)(220 + h % 20), (unsigned long long)(h % 100));
    if (roll < 92)
        return (size_t)snprintf(out, size,
            "[2,\"%llx\",\"StatusNotification\",{\"connectorId\":%d,\"errorCode\":\"NoError\",\"status\":\"%s\","
            "\"timestamp\":\"2026-12-06T12:00:%02llu.000Z\"}]",
            (unsigned long long)h, connector, h % 2 ? "Charging" : "Available", (unsigned long long)(h % 60));
    return (size_t)snprintf(out, size, "[2,\"%llx\",\"Authorize\",{\"idTag\":\"%016llX\"}]", (unsigned long long)h,
                            (unsigned long long)mix(h));
}

/* The new firmware's status of the charge point as a whole: connector 0, with its vendor fields. */
static size_t connector_zero_status(char* out, size_t size, uint64_t n, const struct charge_point* cp) {
    const uint64_t h = mix(n ^ 0xf1f1);
    return (size_t)snprintf(out, size,
        "[2,\"%llx\",\"StatusNotification\",{\"connectorId\":0,\"errorCode\":\"NoError\",\"status\":\"Available\","
        "\"info\":\"fw 2.1.4 boot ok, cpu %llu%%, temp %lluC\",\"vendorId\":\"%s\",\"vendorErrorCode\":\"0x%04llx\","
        "\"timestamp\":\"2026-12-06T12:00:%02llu.000Z\"}]",
        (unsigned long long)h, (unsigned long long)(h % 100), (unsigned long long)(30 + h % 40), cp->vendor,
        (unsigned long long)(h % 65536), (unsigned long long)(h % 60));
}

/* One tick (10 ms): 6 frames from this worker's charge points; after the rollout, one connector-0 status
 * from an upgraded one too (each of a worker's 1,000 upgraded charge points every 10 s). */
static void worker_tick(long i, double t, void* state) {
    struct worker* w = state;
    char frame[1024];
    for (int k = 0; k < 6; ++k) {
        const uint64_t n = ((uint64_t)i * 6 + (uint64_t)k) * kWorkers + (uint64_t)w->index;
        struct charge_point* cp = &w->points[mix(n) % (uint64_t)w->point_count];
        cp->last_heartbeat = t;
        handle_frame(w, cp, frame, next_frame(frame, sizeof frame, n, cp));
    }
    if (t >= w->rollout_at) {
        struct charge_point* cp = &w->points[(uint64_t)i % 1000 * 2];
        cp->upgraded = 1;
        handle_frame(w, cp, frame, connector_zero_status(frame, sizeof frame, (uint64_t)i, cp));
    }
}

static void* worker_main(void* arg) {
    pattern_every(0.01, g_seconds, worker_tick, arg);
    return NULL;
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 18);
    load_registry();
    pthread_t threads[kWorkers];
    static struct worker workers[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        workers[w] = (struct worker){.index = w, .points = g_registry + w * (kChargePoints / kWorkers),
                                     .point_count = kChargePoints / kWorkers, .rollout_at = 0.4 * g_seconds};
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    }
    uint64_t frames = 0, errors = 0, samples = 0;
    for (int w = 0; w < kWorkers; ++w) {
        pthread_join(threads[w], NULL);
        frames += workers[w].frames;
        errors += workers[w].errors;
        samples += workers[w].meter_samples;
    }
    int upgraded = 0;
    for (int p = 0; p < kChargePoints; ++p) upgraded += g_registry[p].upgraded;
    fprintf(stderr, "%llu frames, %llu CALLERRORs on unknown connectors, %llu meter samples; %d charge points upgraded\n",
            (unsigned long long)frames, (unsigned long long)errors, (unsigned long long)samples, upgraded);
    return 0;
}
