/* A late leak of unreachable blocks on an error path (written in session 24, batch 8, as a held-out
 * check, never tuned on): a card payment switch routing ISO 8583 authorizations from acquirers to card
 * issuers. At start it loads its BIN routing table (40,000 card ranges, each with its issuer, network
 * and a product description). Two switch threads take 800 authorizations a second between them: each
 * request's EMV chip data (field 55, 150-260 bytes of TLV) is copied out of the acquirer's message,
 * the issuer-bound 0100 message (500-900 bytes: the copied chip data, the private fields 48 and 62)
 * is built, the issuer's link is called, and both buffers are freed once the 0110 answer is logged
 * into a fixed ring of 4,096 journal lines. On a link timeout the switch stands in for the issuer: it
 * declines, writes a reversal advice (0420) to the store-and-forward file and returns, and that early
 * return skips the two frees (the error path was never exercised: the issuers always answered).
 * At 40% of the run the link to issuer 3 (card ranges carrying 40% of the traffic) degrades: from then
 * on 70% of its calls time out.
 * Truth: a leak that starts late, after a flat phase: nothing is kept before 40% of the run (7.2 s of
 * 18 s), then ~219 timeouts a second each lose their issuer request (built in build_issuer_request, ~715
 * B) and their chip data copy (~205 B): ~202 kB/s of unreachable blocks, linear, ~2.2 MB over the last
 * 10.8 s on a process of ~8 MB. The routing table (~4.5 MB) is loaded before the first authorization.
 * RSS alone has a trap: the journal ring (655 kB in .bss) is made resident line by line over its first
 * lap, so RSS climbs ~128 kB/s over the first 5 s while the heap is flat.
 * Measured (session 24, tests/accuracy/measure.py): tracked, live heap 4.49 MB flat over 0.5-7.2 s (0
 * B/s), 4.53 MB at 7.5 s, 5.66 at 13 s, 6.63 at 18 s (+202 kB/s over 7.5-18 s: +206 over 8-13 s, +195
 * over 13-18 s), RSS 10.24 MB at 0.5 s, 10.81 at 5 s, 10.83 at 7 s, 13.25 at 18 s (+227 kB/s over
 * 7.5-18 s); --plain, RSS 6.95 MB at 0.5 s, 7.52 at 5 s, 7.54 at 7 s (flat over 5.2-7.2 s), 9.76 at 18 s
 * (+209 kB/s over 7.5-18 s: +214 over 8-13 s, +200 over 13-18 s); 11,169 approved, 870 declined, 2,361
 * stood in for.
 * Usage: c_card_switch_issuer_timeout_late_leak SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mix.h"
#include "pacing.h"

enum { kBinRanges = 40000, kIssuers = 8, kJournalLines = 4096, kJournalLineBytes = 160, kSwitchThreads = 2 };

struct bin_range {
    uint32_t low, high;
    int issuer;
    char network[12];
    char* product; /* e.g. "Visa Platinum Business, debit, EEA, SCA exempt under 30 EUR" */
};

struct authorization {
    char pan_token[20];
    uint32_t bin;
    uint64_t amount_cents;
    char* chip_data; /* field 55 as the acquirer sent it */
    size_t chip_length;
    char stan[7];
};

enum link_status { kApproved, kDeclined, kTimeout };

struct switch_state {
    struct bin_range* ranges;
    atomic_int issuer3_degraded;
    pthread_mutex_t journal_lock;
    char journal[kJournalLines][kJournalLineBytes];
    uint64_t journal_at;
    atomic_ullong approved, declined, stand_ins, saf_bytes;
};

static void load_bin_table(struct switch_state* s) {
    static const char* kNetworks[] = {"VISA", "MASTERCARD", "AMEX", "DISCOVER", "UNIONPAY"};
    static const char* kProducts[] = {"Classic consumer credit", "Platinum business debit, EEA",
                                      "World Elite rewards credit, SCA exempt under 30 EUR",
                                      "Prepaid gift card, no cash-back", "Corporate purchasing card, level 3 data"};
    s->ranges = calloc(kBinRanges, sizeof *s->ranges);
    for (uint32_t r = 0; r < kBinRanges; ++r) {
        const uint64_t h = mix(r);
        struct bin_range* range = &s->ranges[r];
        range->low = 400000 + r * 10;
        range->high = range->low + 9;
        /* Issuer 3 holds 40% of the ranges; the others share the rest. */
        range->issuer = h % 100 < 40 ? 3 : (int)(h % 7 < 3 ? h % 7 : h % 7 + 1);
        snprintf(range->network, sizeof range->network, "%s", kNetworks[h % 5]);
        char product[160];
        const int n = snprintf(product, sizeof product, "%s; issuer %d; country %03u; limits profile %llu",
                               kProducts[(h >> 8) % 5], range->issuer, (unsigned)(h >> 16) % 999,
                               (unsigned long long)(h >> 24) % 100000);
        range->product = malloc((size_t)n + 1);
        memcpy(range->product, product, (size_t)n + 1);
    }
}

static const struct bin_range* route(const struct switch_state* s, uint32_t bin) {
    return &s->ranges[((bin - 400000) / 10) % kBinRanges];
}

static __attribute__((noinline)) char* copy_chip_data(const struct authorization* a) {
    char* copy = malloc(a->chip_length);
    memcpy(copy, a->chip_data, a->chip_length);
    return copy;
}

/* The issuer-bound 0100: MTI, bitmap, the fields the issuer needs, field 55 and the private fields. */
static __attribute__((noinline)) char* build_issuer_request(const struct authorization* a, const char* chip,
                                                          const struct bin_range* range, size_t* length) {
    const uint64_t h = mix(a->amount_cents ^ a->bin);
    const size_t private_48 = 120 + h % 260, private_62 = 40 + (h >> 12) % 120;
    const size_t capacity = 96 + a->chip_length + private_48 + private_62 + 64;
    char* m = malloc(capacity);
    size_t at = (size_t)snprintf(m, capacity, "0100F23C46D129E09220%s%012llu%s%s", a->pan_token,
                                 (unsigned long long)a->amount_cents, a->stan, range->network);
    memcpy(m + at, chip, a->chip_length);
    at += a->chip_length;
    memset(m + at, 'P', private_48);
    at += private_48;
    memset(m + at, 'Q', private_62);
    at += private_62;
    *length = at;
    return m;
}

/* The issuer's link: an answer, or nothing before the 2 s timeout. */
static enum link_status call_issuer(struct switch_state* s, int issuer, uint64_t h) {
    if (issuer == 3 && atomic_load(&s->issuer3_degraded) && (h >> 40) % 100 < 70) return kTimeout;
    return (h >> 32) % 100 < 93 ? kApproved : kDeclined;
}

static void journal(struct switch_state* s, const struct authorization* a, const char* outcome) {
    pthread_mutex_lock(&s->journal_lock);
    snprintf(s->journal[s->journal_at++ % kJournalLines], kJournalLineBytes, "0110 %s %s %llu %s", a->stan,
             a->pan_token, (unsigned long long)a->amount_cents, outcome);
    pthread_mutex_unlock(&s->journal_lock);
}

static void authorize(struct switch_state* s, const struct authorization* a) {
    const struct bin_range* range = route(s, a->bin);
    char* chip = copy_chip_data(a);
    size_t length = 0;
    char* request = build_issuer_request(a, chip, range, &length);
    const uint64_t h = mix(a->amount_cents * 31 + a->bin);
    const enum link_status status = call_issuer(s, range->issuer, h);
    if (status == kTimeout) {
        /* Stand-in: decline, and a reversal advice to the store-and-forward file for the issuer. The
         * bug: this return skips the frees below. */
        char advice[96];
        const int n = snprintf(advice, sizeof advice, "0420 %s %s %llu 68", a->stan, a->pan_token,
                               (unsigned long long)a->amount_cents);
        atomic_fetch_add(&s->saf_bytes, (unsigned long long)n + length);
        atomic_fetch_add(&s->stand_ins, 1);
        journal(s, a, "STAND-IN DECLINE 91");
        return;
    }
    if (status == kApproved) atomic_fetch_add(&s->approved, 1);
    else atomic_fetch_add(&s->declined, 1);
    journal(s, a, status == kApproved ? "APPROVED 00" : "DECLINED 05");
    free(request);
    free(chip);
}

struct switch_thread {
    struct switch_state* state;
    int index;
    double seconds;
};

/* One tick (10 ms): 4 authorizations from the acquirers. */
static void switch_tick(long i, double t, void* arg) {
    (void)t;
    struct switch_thread* self = arg;
    for (int k = 0; k < 4; ++k) {
        const uint64_t n = (uint64_t)i * 4 + (uint64_t)k;
        const uint64_t h = mix(n * kSwitchThreads + (uint64_t)self->index);
        struct authorization a;
        snprintf(a.pan_token, sizeof a.pan_token, "tok%016llx", (unsigned long long)(h >> 4));
        a.bin = 400000 + (uint32_t)(h % (kBinRanges * 10));
        a.amount_cents = 100 + (h >> 20) % 50000;
        snprintf(a.stan, sizeof a.stan, "%06llu", (unsigned long long)(n % 1000000));
        /* The acquirer's field 55, read off the wire into the request's own buffer. */
        a.chip_length = 150 + (h >> 8) % 111;
        a.chip_data = malloc(a.chip_length);
        memset(a.chip_data, 0x9f, a.chip_length);
        authorize(self->state, &a);
        free(a.chip_data);
    }
}

static void* switch_main(void* arg) {
    struct switch_thread* self = arg;
    pattern_every(0.01, self->seconds, switch_tick, self);
    return NULL;
}

struct link_monitor {
    struct switch_state* state;
    double degrades_at;
};

/* The link monitor, every 100 ms: issuer 3's link degrades at 40% of the run. */
static void monitor_tick(long i, double t, void* arg) {
    (void)i;
    struct link_monitor* monitor = arg;
    if (t >= monitor->degrades_at) atomic_store(&monitor->state->issuer3_degraded, 1);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 18);
    static struct switch_state state;
    pthread_mutex_init(&state.journal_lock, NULL);
    load_bin_table(&state);
    pthread_t threads[kSwitchThreads];
    struct switch_thread args[kSwitchThreads];
    for (int w = 0; w < kSwitchThreads; ++w) {
        args[w] = (struct switch_thread){&state, w, seconds};
        pthread_create(&threads[w], NULL, switch_main, &args[w]);
    }
    struct link_monitor monitor = {&state, 0.4 * seconds};
    pattern_every(0.1, seconds, monitor_tick, &monitor);
    for (int w = 0; w < kSwitchThreads; ++w) pthread_join(threads[w], NULL);
    fprintf(stderr, "%llu approved, %llu declined, %llu stood in for (issuer 3 degraded from %.1f s), "
            "%llu bytes of reversal advices\n",
            (unsigned long long)atomic_load(&state.approved), (unsigned long long)atomic_load(&state.declined),
            (unsigned long long)atomic_load(&state.stand_ins), monitor.degrades_at,
            (unsigned long long)atomic_load(&state.saf_bytes));
    return 0;
}
