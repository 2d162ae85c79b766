/* A settling warm-up under jemalloc, two threads (written in session 26, batch 10, as a held-out check,
 * never tuned on): the outbound relay of an email service provider sending a B2B newsletter campaign.
 * The list's 12,000 recipient domains (a few recipients each, shuffled) come in uniformly at random,
 * 4,000 messages a second between two delivery threads. The first message to a domain creates its
 * delivery state: the MX hosts with their addresses, the MTA-STS policy (mode, max_age, the allowed MX
 * patterns), the DANE TLSA records when the domain publishes them, the SPF include chain seen in the
 * bounce check, the connection limits learned so far and a ring of the last 256 deliveries'
 * latencies. Every message after it reuses that state (lock, update the counters, unlock); each
 * message's envelope and rendered headers are malloc'd for its delivery and freed after it. The states'
 * TTLs (an hour and more) outlast the run, so nothing is evicted.
 * Truth: not a leak: a decelerating warm-up toward a plateau over a finite population. With uniform draws,
 * the domains seen after t seconds are 12,000 x (1 - e^(-t/3 s)): 63% at 3 s, 95% at 9 s, 99.5% at 16 s; each
 * state is ~1.75 kB in 10-20 blocks (~21 MB in all), so the fill runs at ~7 MB/s at the start and halves
 * every ~2.1 s: ~0.2 MB is left to come after 14 s. Under jemalloc, RSS follows the live heap with its
 * per-thread caches and dirty pages on top.
 * Measured (session 26, tests/accuracy/measure.py): tracked, live heap 0.86 MB at the start, 5.79 at 1 s,
 * 13.65 at 3 s, 17.71 at 5 s, 20.35 at 8 s, 21.53 at 12 s, 21.82 at 16 s (+3.96 MB/s over 0-4 s, +1.05 over
 * 4-8 s, +290 kB/s over 8-12 s, +75 kB/s over 12-16 s), RSS 28.4 MB at 4 s, 38.8 at 16 s; --plain, RSS 11.10
 * MB at 1 s, 21.94 at 4 s, 26.46 at 8 s, 27.69 at 12 s, 28.03 at 16 s (+4.36 MB/s over 0-4 s, +1.10 over 4-8
 * s, +312 kB/s over 8-12 s, +78 kB/s over 12-16 s); 64,000 messages, 11,888 of the 12,000 domains' states
 * created.
 * Usage: LD_PRELOAD=libjemalloc.so.2 c_jemalloc_mta_domain_policy_settling SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mix.h"
#include "pacing.h"

enum { kDomains = 12000, kWorkers = 2, kMessagesPerTick = 20, kBuckets = 16384, kMaxMx = 4, kLatencySamples = 256 };

struct mx_host {
    char* name;
    char** addresses; /* A and AAAA */
    int address_count;
    int preference;
};

struct domain_state {
    char* domain;
    struct mx_host mx[kMaxMx];
    int mx_count;
    char* sts_policy;  /* the MTA-STS policy file as fetched */
    char** tlsa;       /* DANE TLSA records, or NULL */
    int tlsa_count;
    char* spf_chain;
    int max_connections, max_messages_per_connection;
    uint32_t* latency_ms;  /* the last kLatencySamples deliveries' latencies, for adaptive throttling */
    uint64_t delivered, deferred;
    struct domain_state* next; /* hash chain */
};

static struct domain_state* g_buckets[kBuckets];
static pthread_mutex_t g_locks[64];
static double g_seconds;

static char* format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
static char* format(const char* fmt, ...) {
    char buffer[1024];
    va_list args;
    va_start(args, fmt);
    vsnprintf(buffer, sizeof buffer, fmt, args);
    va_end(args);
    return strdup(buffer);
}

static void domain_name(int d, char* out, size_t size) {
    static const char* const tlds[] = {"com", "de", "co.uk", "fr", "nl", "io", "com.au", "ch"};
    const uint64_t h = mix((uint64_t)d + 0x3a11);
    snprintf(out, size, "%s%llu-%s.%s", h % 3 ? "corp" : "group", (unsigned long long)(h % 100000),
             h % 2 ? "industries" : "logistics", tlds[h >> 12 & 7]);
}

/* The resolution a first message triggers: MX, A/AAAA, MTA-STS, TLSA, SPF. */
__attribute__((noinline)) static struct domain_state* resolve_domain(const char* domain, int d) {
    const uint64_t h = mix((uint64_t)d);
    struct domain_state* s = calloc(1, sizeof *s);
    s->domain = strdup(domain);
    s->mx_count = 1 + (int)(h % kMaxMx);
    for (int m = 0; m < s->mx_count; ++m) {
        struct mx_host* mx = &s->mx[m];
        mx->name = format("mx%d.%s.mail.protection.example.net", m + 1, domain);
        mx->preference = 10 * (m + 1);
        mx->address_count = 1 + (int)(h >> (8 + m) & 1);
        mx->addresses = malloc((size_t)mx->address_count * sizeof *mx->addresses);
        for (int a = 0; a < mx->address_count; ++a)
            mx->addresses[a] = a ? format("2001:db8:%llx::%d", (unsigned long long)(h % 65536), m + 25)
                                 : format("198.51.%llu.%d", (unsigned long long)(h % 250), m + 25);
    }
    s->sts_policy = format("version: STSv1\nmode: %s\nmx: *.%s.mail.protection.example.net\nmx: backup.%s\n"
                           "max_age: %llu\n", h % 4 ? "enforce" : "testing", domain, domain,
                           (unsigned long long)(86400 * (1 + h % 30)));
    if (h % 5 == 0) {
        s->tlsa_count = 2;
        s->tlsa = malloc(2 * sizeof *s->tlsa);
        for (int k = 0; k < 2; ++k)
            s->tlsa[k] = format("_25._tcp.%s. IN TLSA 3 1 1 %016llx%016llx%016llx%016llx", s->mx[0].name,
                                (unsigned long long)mix(h + (uint64_t)k), (unsigned long long)mix(h ^ 1),
                                (unsigned long long)mix(h ^ 2), (unsigned long long)mix(h ^ 3));
    }
    s->spf_chain = format("v=spf1 include:spf.protection.example.net include:_spf.%s ip4:198.51.%llu.0/24 "
                          "include:mailgun.example.org include:servers.mcsv.example.net -all", domain,
                          (unsigned long long)(h % 250));
    s->max_connections = 4 + (int)(h % 16);
    s->max_messages_per_connection = 100;
    s->latency_ms = calloc(kLatencySamples, sizeof *s->latency_ms);
    return s;
}

/* The domain's state, created at its first message. */
static struct domain_state* domain_state_for(int d, uint64_t* created) {
    char domain[96];
    domain_name(d, domain, sizeof domain);
    uint64_t h = 1469598103934665603ull;
    for (const char* c = domain; *c; ++c) h = (h ^ (uint8_t)*c) * 1099511628211ull;
    const size_t bucket = h % kBuckets;
    pthread_mutex_t* lock = &g_locks[bucket % 64];
    pthread_mutex_lock(lock);
    struct domain_state* s = g_buckets[bucket];
    while (s && strcmp(s->domain, domain) != 0) s = s->next;
    if (!s) {
        s = resolve_domain(domain, d);
        s->next = g_buckets[bucket];
        g_buckets[bucket] = s;
        ++*created;
    }
    pthread_mutex_unlock(lock);
    return s;
}

struct worker {
    int index;
    uint64_t messages, created, bytes;
};

/* Every 10 ms: 20 messages, each to a recipient at a domain drawn uniformly from the list's. */
static void worker_tick(long i, double t, void* state) {
    struct worker* w = state;
    (void)t;
    for (int k = 0; k < kMessagesPerTick; ++k) {
        const uint64_t n = ((uint64_t)i * kMessagesPerTick + (uint64_t)k) * kWorkers + (uint64_t)w->index;
        const int d = (int)(mix(n ^ 0xe3a1) % kDomains);
        struct domain_state* s = domain_state_for(d, &w->created);
        /* The message's envelope and rendered headers, for its delivery. */
        char* envelope = format("MAIL FROM:<bounce+%llx@campaigns.example.com> RCPT TO:<buyer%llu@%s>",
                                (unsigned long long)mix(n), (unsigned long long)(n % 5), s->domain);
        const size_t header_bytes = 1200 + mix(n) % 2800;
        char* headers = malloc(header_bytes);
        memset(headers, 'h', header_bytes);
        w->bytes += strlen(envelope) + header_bytes;
        const uint64_t nth = __atomic_fetch_add(&s->delivered, 1, __ATOMIC_RELAXED);
        s->latency_ms[nth % kLatencySamples] = (uint32_t)(40 + mix(n) % 900);
        free(headers);
        free(envelope);
        w->messages++;
    }
}

static void* worker_main(void* arg) {
    pattern_every(0.01, g_seconds, worker_tick, arg);
    return NULL;
}

int main(int argc, char** argv) {
    g_seconds = pattern_run_seconds(argc, argv, 16);
    for (int k = 0; k < 64; ++k) pthread_mutex_init(&g_locks[k], NULL);
    pthread_t threads[kWorkers];
    static struct worker workers[kWorkers];
    for (int w = 0; w < kWorkers; ++w) {
        workers[w].index = w;
        pthread_create(&threads[w], NULL, worker_main, &workers[w]);
    }
    uint64_t messages = 0, created = 0, bytes = 0;
    for (int w = 0; w < kWorkers; ++w) {
        pthread_join(threads[w], NULL);
        messages += workers[w].messages;
        created += workers[w].created;
        bytes += workers[w].bytes;
    }
    fprintf(stderr, "%llu messages relayed (%llu MB), %llu of %d domains' delivery states created\n",
            (unsigned long long)messages, (unsigned long long)(bytes >> 20), (unsigned long long)created, kDomains);
    _exit(0);
}
