/* A slow leak beside a bounded cache and a connection pool (written in session 16 as a held-out check,
 * never tuned on): a C database proxy in front of a Postgres primary. 4,000 queries a second go through
 * a pool of 64 server connections; each query's plan comes from a shared prepared-statement cache, an
 * LRU bounded at 44 MB of query texts and plans (~11,000 plans over 40,000 distinct query texts,
 * preloaded from the last snapshot at start-up); a miss prepares a plan of 1-6 KiB and evicts the least
 * recently used ones until the budget holds again. Every server connection carries two 48 KiB I/O
 * buffers and a 4 KiB latency histogram, and is recycled when it reaches its maximum lifetime (6-8 s,
 * jittered, so ~9 recycles a second).
 * The bug: retiring a connection hands its histogram to the metrics exporter's "retired" list, so the
 * next scrape can still count the connection's last queries; only a scrape frees that list, and this
 * deployment has no scraper configured. Each recycle keeps a 4,096 B bucket array and its 48 B record.
 * Truth: a leak, linear from the start, ~40 kB/s, ~1.2% of a ~52 MB heap over a 16 s run, allocated
 * by latency_histogram_new. Everything else is flat: the plan cache stays at its budget, the pool at 64
 * connections whose buffers are freed and allocated again at each recycle.
 * Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS every 100 ms by a scratch preload
 * shim, no tracker): heap 51.71 MB at 1 s -> 52.35 MB at 16 s, +40.5 kB/s over 2-16 s and +36.9, +40.1,
 * +38.7 kB/s over 4-8, 8-12, 12-16 s; the program's own count: 152 histograms kept, 629,888 B (39.4 kB/s);
 * RSS 53.5 -> 55.7 MB (+80 to +110 kB/s: the churn's holes on top of the leak).
 * Usage: c_db_proxy_retired_histogram_slow_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

enum {
    kPoolSize = 64,
    kPlanCacheBudgetBytes = 44 * 1000 * 1000,
    kDistinctQueries = 40000,
    kBuckets = 32768,
    kQueriesPerTick = 400, /* every 100 ms: 4,000 a second */
    kHistogramBuckets = 512,
    kIoBufferBytes = 48 * 1024,
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double uniform(void) { return (double)(next_random() >> 11) / 9007199254740992.0; }

/* ---- shared prepared-statement cache: a hash table over an LRU list ---- */
struct plan {
    char* query_text;
    unsigned char* plan_tree; /* the serialized plan the server sent back */
    size_t plan_bytes;
    uint64_t executions;
    struct plan* bucket_next;
    struct plan* lru_prev; /* towards the most recently used */
    struct plan* lru_next;
};

struct plan_cache {
    struct plan* buckets[kBuckets];
    struct plan* lru_head;
    struct plan* lru_tail;
    size_t entries;
    size_t bytes; /* query texts and plans, held under kPlanCacheBudgetBytes */
    uint64_t hits, misses, evictions;
};

static uint32_t hash_text(const char* s) {
    uint32_t h = 2166136261u;
    for (; *s; ++s) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void lru_unlink(struct plan_cache* c, struct plan* p) {
    if (p->lru_prev) p->lru_prev->lru_next = p->lru_next; else c->lru_head = p->lru_next;
    if (p->lru_next) p->lru_next->lru_prev = p->lru_prev; else c->lru_tail = p->lru_prev;
    p->lru_prev = p->lru_next = NULL;
}

static void lru_push_front(struct plan_cache* c, struct plan* p) {
    p->lru_next = c->lru_head;
    p->lru_prev = NULL;
    if (c->lru_head) c->lru_head->lru_prev = p;
    c->lru_head = p;
    if (!c->lru_tail) c->lru_tail = p;
}

static void evict_least_recent(struct plan_cache* c) {
    struct plan* victim = c->lru_tail;
    lru_unlink(c, victim);
    struct plan** link = &c->buckets[hash_text(victim->query_text) % kBuckets];
    while (*link != victim) link = &(*link)->bucket_next;
    *link = victim->bucket_next;
    c->bytes -= strlen(victim->query_text) + 1 + victim->plan_bytes;
    free(victim->query_text);
    free(victim->plan_tree);
    free(victim);
    --c->entries;
    ++c->evictions;
}

/* The text a client sends for query number `id`: a few shapes of statements, 150-700 characters. */
static void format_query(int id, char* out, size_t size) {
    static const char* shapes[] = {
        "SELECT o.id, o.status, o.total_cents, o.currency, o.created_at, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.tenant_id = $1 AND o.id = $2",
        "UPDATE inventory SET reserved = reserved + $1, updated_at = now() WHERE sku = $2 AND warehouse_id = $3 AND reserved + $1 <= on_hand",
        "SELECT p.sku, p.title, p.price_cents, s.on_hand, s.reserved FROM products p LEFT JOIN stock s ON s.sku = p.sku WHERE p.category_id = ANY($1) ORDER BY p.rank LIMIT 50",
        "INSERT INTO audit_events (tenant_id, actor_id, action, subject, payload, created_at) VALUES ($1, $2, $3, $4, $5::jsonb, now())",
    };
    const char* shape = shapes[id % 4];
    int pad = 20 + (int)((uint32_t)id * 2654435761u % 480u); /* generated ORMs add comments of any length */
    snprintf(out, size, "/* app=checkout route=%d */ %s /* %.*s */", id,
             shape, pad, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
}

static struct plan* prepare(struct plan_cache* c, const char* text) {
    struct plan* p = calloc(1, sizeof *p);
    p->query_text = strdup(text);
    p->plan_bytes = 1024 + next_random() % 5120; /* 1-6 KiB, as the server's plans run */
    p->plan_tree = malloc(p->plan_bytes);
    memset(p->plan_tree, 0x3c, p->plan_bytes);
    uint32_t b = hash_text(text) % kBuckets;
    p->bucket_next = c->buckets[b];
    c->buckets[b] = p;
    lru_push_front(c, p);
    ++c->entries;
    c->bytes += strlen(text) + 1 + p->plan_bytes;
    while (c->bytes > kPlanCacheBudgetBytes) evict_least_recent(c);
    return p;
}

static struct plan* lookup_or_prepare(struct plan_cache* c, const char* text) {
    for (struct plan* p = c->buckets[hash_text(text) % kBuckets]; p; p = p->bucket_next) {
        if (strcmp(p->query_text, text) == 0) {
            lru_unlink(c, p);
            lru_push_front(c, p);
            ++c->hits;
            return p;
        }
    }
    ++c->misses;
    return prepare(c, text);
}

/* Query ids: half the traffic on 2,000 hot routes, the rest spread over all 40,000. */
static int draw_query_id(void) {
    return uniform() < 0.5 ? (int)(next_random() % 2000) : (int)(next_random() % kDistinctQueries);
}

/* ---- the connection pool ---- */
struct latency_histogram {
    uint64_t* bucket_counts; /* kHistogramBuckets log-spaced buckets of query latency */
    uint64_t total_queries;
    int connection_id;
    double opened_s, retired_s;
    struct latency_histogram* next_retired;
};

struct server_connection {
    int id;
    double opened_s, max_lifetime_s;
    unsigned char* read_buffer;
    unsigned char* write_buffer;
    struct latency_histogram* latency;
};

struct metrics_exporter {
    struct latency_histogram* retired; /* drained by a scrape; none is configured here */
    size_t retired_count, retired_bytes;
};

__attribute__((noinline)) static struct latency_histogram* latency_histogram_new(int connection_id, double now_s) {
    struct latency_histogram* h = calloc(1, sizeof *h);
    h->bucket_counts = calloc(kHistogramBuckets, sizeof(uint64_t));
    h->connection_id = connection_id;
    h->opened_s = now_s;
    return h;
}

static void open_server_connection(struct server_connection* conn, int id, double now_s) {
    conn->id = id;
    conn->opened_s = now_s;
    conn->max_lifetime_s = 6.0 + 2.0 * uniform();
    conn->read_buffer = malloc(kIoBufferBytes);
    conn->write_buffer = malloc(kIoBufferBytes);
    memset(conn->read_buffer, 0, kIoBufferBytes);
    memset(conn->write_buffer, 0, kIoBufferBytes);
    conn->latency = latency_histogram_new(id, now_s);
}

/* Closes a connection past its lifetime. Its histogram goes to the exporter so the final counts are
 * not lost between scrapes (the leak: with no scraper nothing ever takes them off the list). */
static void retire_server_connection(struct server_connection* conn, struct metrics_exporter* exporter, double now_s) {
    conn->latency->retired_s = now_s;
    conn->latency->next_retired = exporter->retired;
    exporter->retired = conn->latency;
    exporter->retired_count++;
    exporter->retired_bytes += sizeof(struct latency_histogram) + kHistogramBuckets * sizeof(uint64_t);
    free(conn->read_buffer);
    free(conn->write_buffer);
}

struct proxy {
    struct plan_cache plans;
    struct server_connection pool[kPoolSize];
    struct metrics_exporter exporter;
    int next_connection_id;
    uint64_t queries;
};

static void warm_plan_cache(struct proxy* proxy) {
    char text[1024];
    for (int id = 0; proxy->plans.bytes < kPlanCacheBudgetBytes - 8192; ++id) {
        format_query(id * 3 % kDistinctQueries, text, sizeof text);
        lookup_or_prepare(&proxy->plans, text);
    }
}

static void serve_tick(long tick, double now_s, void* state) {
    (void)tick;
    struct proxy* proxy = state;
    char text[1024];
    for (int q = 0; q < kQueriesPerTick; ++q) {
        format_query(draw_query_id(), text, sizeof text);
        struct plan* plan = lookup_or_prepare(&proxy->plans, text);
        plan->executions++;
        struct server_connection* conn = &proxy->pool[proxy->queries++ % kPoolSize];
        size_t reply = plan->plan_bytes < kIoBufferBytes ? plan->plan_bytes : kIoBufferBytes;
        memcpy(conn->read_buffer, plan->plan_tree, reply);
        conn->latency->bucket_counts[next_random() % 64]++;
        conn->latency->total_queries++;
    }
    for (int i = 0; i < kPoolSize; ++i) {
        struct server_connection* conn = &proxy->pool[i];
        if (now_s - conn->opened_s >= conn->max_lifetime_s) {
            retire_server_connection(conn, &proxy->exporter, now_s);
            open_server_connection(conn, proxy->next_connection_id++, now_s);
        }
    }
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    static struct proxy proxy;
    warm_plan_cache(&proxy);
    for (int i = 0; i < kPoolSize; ++i) {
        open_server_connection(&proxy.pool[i], proxy.next_connection_id++, 0);
        proxy.pool[i].opened_s = -uniform() * proxy.pool[i].max_lifetime_s; /* ages spread: recycles even */
    }
    pattern_every(0.1, seconds, serve_tick, &proxy);
    printf("queries %llu, plan cache %zu entries (%llu hits, %llu misses, %llu evictions), "
           "retired histograms kept %zu (%zu bytes)\n",
           (unsigned long long)proxy.queries, proxy.plans.entries, (unsigned long long)proxy.plans.hits,
           (unsigned long long)proxy.plans.misses, (unsigned long long)proxy.plans.evictions,
           proxy.exporter.retired_count, proxy.exporter.retired_bytes);
    return 0;
}
