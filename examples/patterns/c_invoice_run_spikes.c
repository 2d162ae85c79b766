/* Periodic spikes: a batch job that allocates a lot and frees it (written in session 13 as a held-out
 * check, never tuned on): a C billing daemon rates 400 usage events a second into a fixed ring of
 * 65,536 rated events allocated at start. Every 3 s it runs an invoice pass: it loads the 40,000
 * customer accounts into one array (256 B each), builds an open-addressing index over them, renders
 * one invoice line per account (90-170 characters, malloc'd one by one), totals them over 0.4 s, then
 * frees all of it.
 * Truth: not a leak; periodic spikes of the live heap: a floor of ~17 MB (the ring and the daemon),
 * and every 3 s a spike of ~17.6 MB (10.24 MB of accounts, 2 MB of index, ~5 MB of lines and their
 * pointer array) held for ~0.4 s, then freed. RSS does not follow the heap down after the first pass:
 * glibc raises its mmap threshold to the size of the first freed 10 MB array, so from the second pass
 * the arrays come from the brk heap, and the trim threshold (twice the mmap threshold) keeps the freed
 * top; RSS steps up once and stays (rss_patterns: a warm-up then flat, or stable).
 * Measured (tests/accuracy/measure.py, session 13): live heap 16.85 MB between passes, 34.4 MB during
 * them (at 1.5, 4.5, 7.5, 10.5, 13.5 s); RSS 21.0-21.6 MB until the second pass, then 39.3 MB, 41.4 MB at
 * the passes.
 * Usage: c_invoice_run_spikes SECONDS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define RING_EVENTS 65536
#define ACCOUNTS 40000
#define INDEX_SLOTS 262144

struct rated_event {
    uint64_t account;
    uint64_t units;
    char sku[48];
    double amount;
    char pad[256 - 72];
};

struct account {
    uint64_t id;
    double balance;
    char name[64];
    char address[168];
};

struct invoice_run {
    struct account* accounts;
    uint64_t* index;
    char** lines;
    int ticks_left;
};

struct daemon_state {
    struct rated_event* ring;
    uint64_t next_event;
    struct invoice_run run;
    double total;
    int runs;
};

static void rate_event(struct daemon_state* d, uint64_t n) {
    struct rated_event* e = &d->ring[n % RING_EVENTS];
    e->account = (n * 2654435761u) % ACCOUNTS;
    e->units = 1 + n % 17;
    snprintf(e->sku, sizeof e->sku, "sku-%06llu-egress-gb", (unsigned long long)(n % 1000));
    e->amount = (double)e->units * 0.0125;
}

__attribute__((noinline)) static void start_invoice_run(struct daemon_state* d) {
    struct invoice_run* r = &d->run;
    r->accounts = malloc(sizeof(struct account) * ACCOUNTS);
    r->index = malloc(sizeof(uint64_t) * INDEX_SLOTS);
    memset(r->index, 0xff, sizeof(uint64_t) * INDEX_SLOTS);
    r->lines = malloc(sizeof(char*) * ACCOUNTS);
    for (uint64_t a = 0; a < ACCOUNTS; ++a) {
        struct account* acc = &r->accounts[a];
        acc->id = 100000 + a;
        acc->balance = 0;
        snprintf(acc->name, sizeof acc->name, "customer %llu", (unsigned long long)acc->id);
        memset(acc->address, 'a' + (int)(a % 26), sizeof acc->address);
        uint64_t slot = (acc->id * 11400714819323198485ull) % INDEX_SLOTS;
        while (r->index[slot] != UINT64_MAX) slot = (slot + 1) % INDEX_SLOTS;
        r->index[slot] = a;
    }
    for (uint64_t k = 0; k < RING_EVENTS; ++k) r->accounts[d->ring[k].account].balance += d->ring[k].amount;
    for (uint64_t a = 0; a < ACCOUNTS; ++a) {
        const size_t len = 90 + (a * 7919) % 81;
        r->lines[a] = malloc(len + 1);
        int n = snprintf(r->lines[a], len + 1, "%s;%.4f;", r->accounts[a].name, r->accounts[a].balance);
        memset(r->lines[a] + n, '-', len - (size_t)n);
        r->lines[a][len] = '\0';
    }
    r->ticks_left = 4; /* 4 ticks of 0.1 s to total and send the invoices */
}

static void finish_invoice_run(struct daemon_state* d) {
    struct invoice_run* r = &d->run;
    for (uint64_t a = 0; a < ACCOUNTS; ++a) {
        d->total += (double)strlen(r->lines[a]);
        free(r->lines[a]);
    }
    free(r->lines);
    free(r->index);
    free(r->accounts);
    memset(r, 0, sizeof *r);
    ++d->runs;
}

static void tick(long i, double t, void* state) {
    (void)t;
    struct daemon_state* d = state;
    /* 10 ticks a second, 40 events each. */
    for (int k = 0; k < 40; ++k) rate_event(d, d->next_event++);
    if (d->run.accounts && --d->run.ticks_left == 0) finish_invoice_run(d);
    if (i % 30 == 15) start_invoice_run(d); /* at 1.5 s, then every 3 s */
}

int main(int argc, char** argv) {
    struct daemon_state d;
    memset(&d, 0, sizeof d);
    d.ring = calloc(RING_EVENTS, sizeof *d.ring);
    for (uint64_t n = 0; n < RING_EVENTS; ++n) rate_event(&d, n);
    d.next_event = RING_EVENTS;
    pattern_every(0.1, pattern_run_seconds(argc, argv, 16), tick, &d);
    if (d.run.accounts) finish_invoice_run(&d);
    fprintf(stderr, "%d invoice runs, %.0f bytes of invoices\n", d.runs, d.total);
    free(d.ring);
    return 0;
}
