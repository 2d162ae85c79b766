/* A leak on a 5% error path of a database connection pool, in C (written in session 19 as a
 * held-out check, never tuned on): the transfer API of a payments ledger. A dispatcher thread takes
 * 1,000 transfer requests a second and queues them to four worker threads; a worker borrows one of
 * twelve pooled database connections (each with its 32 KiB send and 64 KiB receive buffers, allocated
 * when the pool starts), runs the transfer's statement and streams its result rows back, turns them
 * into the JSON answer, frees the result and gives the connection back. Under contention one
 * transfer in twenty fails with a serialization failure (SQLSTATE 40001) after a few rows were read:
 * the driver's result then holds those rows and the error's fields. The error path answers 409, marks
 * the connection for a reset and returns it to the pool, but it returns before the result_clear()
 * the success path ends with: the partial rows and the error fields are never freed (unreachable).
 * Truth: a leak, linear, from the start: ~50 failed transfers a second, each dropping its result
 * (2-12 partial rows of 320-760 bytes, allocated in read_data_row, ~85% of the bytes; the row array;
 * the error's message, detail and hint; the result itself): ~4.15 kB each on average, ~202 kB/s asked
 * of malloc (the program adds up what it drops and prints it on stderr), on a ~2 MB heap.
 * Measured (session 19): a plain run without leakscope (RSS and glibc's mallinfo2 every 100 ms): heap
 * 1.9 -> 5.2 MB, +208 kB/s over 3-13 s (+206 over 2-9 s, +213 over 9-16 s), RSS +256 kB/s (3.7 -> 7.8
 * MB, glibc's four arenas); 779 conflicts, 3,234 kB dropped (4,152 B each); tests/accuracy/measure.py
 * (tracked): live heap +197 kB/s over 3-13 s, +193 over 2-9 s, +205 over 9-16 s.
 * Usage: c_ledger_pool_error_result_leak SECONDS */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"
#include "mix.h"

#define WORKERS 4
#define POOL_SIZE 12
#define QUEUE_CAP 4096
#define SEND_BUF (32 * 1024)
#define RECV_BUF (64 * 1024)

/* ---- the driver ---------------------------------------------------------------------------- */

struct pg_conn {
    int id;
    char* sendbuf;
    char* recvbuf;
    int needs_reset;
    uint64_t statements;
    struct pg_conn* next_free;
};

struct pg_error {
    char sqlstate[6];
    char* message;
    char* detail;
    char* hint;
};

struct pg_result {
    int status; /* 0 ok, 1 error */
    char** rows;
    int nrows, cap;
    struct pg_error* error;
};

/* One DataRow message, copied out of the receive buffer into its own block. */
__attribute__((noinline)) static char* read_data_row(struct pg_conn* c, uint64_t h, size_t* len_out) {
    const size_t len = 320 + (size_t)(h % 441);
    char* row = malloc(len);
    memcpy(row, c->recvbuf + (h % (RECV_BUF - 1024)), len - 1);
    row[len - 1] = '\0';
    *len_out = len;
    return row;
}

__attribute__((noinline)) static struct pg_error* read_error_response(uint64_t h, size_t* bytes) {
    struct pg_error* e = calloc(1, sizeof *e);
    memcpy(e->sqlstate, "40001", 6);
    if (asprintf(&e->message, "could not serialize access due to concurrent update (tuple %llu)",
                 (unsigned long long)(h % 100000)) < 0)
        e->message = NULL;
    if (asprintf(&e->detail, "Reason code: Canceled on identification as a pivot, during write; conflicting "
                             "transaction %llu holds a lock on ledger_entries page %llu",
                 (unsigned long long)(h % 9000000), (unsigned long long)(h % 4096)) < 0)
        e->detail = NULL;
    e->hint = strdup("The transaction might succeed if retried.");
    *bytes += sizeof *e + (e->message ? strlen(e->message) + 1 : 0) + (e->detail ? strlen(e->detail) + 1 : 0) +
              strlen(e->hint) + 1;
    return e;
}

static void result_add_row(struct pg_result* r, char* row, size_t* bytes) {
    if (r->nrows == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->rows = realloc(r->rows, (size_t)r->cap * sizeof *r->rows);
    }
    r->rows[r->nrows++] = row;
    (void)bytes;
}

/* Runs a statement and reads its result; `bytes` counts what the result holds. */
static struct pg_result* conn_exec(struct pg_conn* c, const char* sql, uint64_t request, size_t* bytes) {
    const size_t sql_len = strlen(sql);
    memcpy(c->sendbuf, sql, sql_len < SEND_BUF ? sql_len : SEND_BUF - 1);
    ++c->statements;
    const uint64_t h = mix(request);
    struct pg_result* r = calloc(1, sizeof *r);
    *bytes = sizeof *r;
    const int fails = h % 100 < 5; /* serialization failure under contention: 1 in 20 */
    const int rows = fails ? 2 + (int)(mix(h) % 11) : 3 + (int)(mix(h) % 12);
    for (int k = 0; k < rows; ++k) {
        size_t len = 0;
        char* row = read_data_row(c, mix(h + (uint64_t)k), &len);
        *bytes += len;
        result_add_row(r, row, bytes);
    }
    *bytes += (size_t)r->cap * sizeof *r->rows;
    if (fails) {
        r->status = 1;
        r->error = read_error_response(h, bytes);
    }
    return r;
}

static void result_clear(struct pg_result* r) {
    for (int k = 0; k < r->nrows; ++k) free(r->rows[k]);
    free(r->rows);
    if (r->error) {
        free(r->error->message);
        free(r->error->detail);
        free(r->error->hint);
        free(r->error);
    }
    free(r);
}

/* ---- the pool -------------------------------------------------------------------------------- */

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t returned;
    struct pg_conn conns[POOL_SIZE];
    struct pg_conn* free_list;
    uint64_t resets;
};

static void pool_init(struct pool* p) {
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->returned, NULL);
    p->free_list = NULL;
    for (int k = 0; k < POOL_SIZE; ++k) {
        struct pg_conn* c = &p->conns[k];
        c->id = k;
        c->sendbuf = malloc(SEND_BUF);
        c->recvbuf = malloc(RECV_BUF);
        for (size_t b = 0; b < RECV_BUF; ++b) c->recvbuf[b] = (char)('a' + (b * 7 + (size_t)k) % 26);
        memset(c->sendbuf, 0, SEND_BUF);
        c->next_free = p->free_list;
        p->free_list = c;
    }
}

static struct pg_conn* pool_get(struct pool* p) {
    pthread_mutex_lock(&p->lock);
    while (!p->free_list) pthread_cond_wait(&p->returned, &p->lock);
    struct pg_conn* c = p->free_list;
    p->free_list = c->next_free;
    pthread_mutex_unlock(&p->lock);
    if (c->needs_reset) { /* DISCARD ALL before the next borrower */
        c->needs_reset = 0;
        ++p->resets;
    }
    return c;
}

static void pool_put(struct pool* p, struct pg_conn* c) {
    pthread_mutex_lock(&p->lock);
    c->next_free = p->free_list;
    p->free_list = c;
    pthread_cond_signal(&p->returned);
    pthread_mutex_unlock(&p->lock);
}

/* ---- the service ----------------------------------------------------------------------------- */

struct request {
    uint64_t id;
    uint64_t from_account, to_account;
    long amount_cents;
};

struct service {
    struct pool pool;
    pthread_mutex_t qlock;
    pthread_cond_t qready;
    struct request queue[QUEUE_CAP];
    int head, tail, count, stopping;
    pthread_mutex_t stats_lock;
    uint64_t ok, conflicts, dropped_bytes, answered_bytes;
};

static void answer(struct service* s, int status, const char* body, size_t len) {
    (void)status;
    (void)body;
    pthread_mutex_lock(&s->stats_lock);
    s->answered_bytes += len;
    pthread_mutex_unlock(&s->stats_lock);
}

static int handle_transfer(struct service* s, const struct request* rq) {
    char* sql = NULL;
    if (asprintf(&sql,
                 "WITH debit AS (UPDATE accounts SET balance = balance - %ld WHERE id = %llu AND balance >= %ld "
                 "RETURNING id, balance), credit AS (UPDATE accounts SET balance = balance + %ld WHERE id = %llu "
                 "RETURNING id, balance) INSERT INTO ledger_entries (transfer_id, debit, credit, amount, memo) "
                 "SELECT %llu, d.id, c.id, %ld, '%.*s' FROM debit d, credit c RETURNING *",
                 rq->amount_cents, (unsigned long long)rq->from_account, rq->amount_cents, rq->amount_cents,
                 (unsigned long long)rq->to_account, (unsigned long long)rq->id, rq->amount_cents,
                 (int)(mix(rq->id) % 600), "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text, "
                                            "invoice settlement batch reference and remittance advice text") < 0)
        return -1;
    struct pg_conn* c = pool_get(&s->pool);
    size_t result_bytes = 0;
    struct pg_result* res = conn_exec(c, sql, rq->id, &result_bytes);
    free(sql);

    if (res->status != 0) {
        char body[256];
        const int len = snprintf(body, sizeof body, "{\"error\":\"conflict\",\"sqlstate\":\"%s\",\"retry\":true}",
                                 res->error->sqlstate);
        c->needs_reset = 1;
        pool_put(&s->pool, c);
        answer(s, 409, body, (size_t)len);
        pthread_mutex_lock(&s->stats_lock);
        ++s->conflicts;
        s->dropped_bytes += result_bytes;
        pthread_mutex_unlock(&s->stats_lock);
        return -1; /* the result is never cleared */
    }

    size_t cap = 64, len = 0;
    for (int k = 0; k < res->nrows; ++k) cap += strlen(res->rows[k]) + 8;
    char* json = malloc(cap);
    len += (size_t)snprintf(json, cap, "{\"entries\":[");
    for (int k = 0; k < res->nrows; ++k) len += (size_t)snprintf(json + len, cap - len, "\"%s\",", res->rows[k]);
    len += (size_t)snprintf(json + len, cap - len, "]}");
    result_clear(res);
    pool_put(&s->pool, c);
    answer(s, 200, json, len);
    free(json);
    pthread_mutex_lock(&s->stats_lock);
    ++s->ok;
    pthread_mutex_unlock(&s->stats_lock);
    return 0;
}

static void* worker(void* arg) {
    struct service* s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qlock);
        while (s->count == 0 && !s->stopping) pthread_cond_wait(&s->qready, &s->qlock);
        if (s->count == 0) {
            pthread_mutex_unlock(&s->qlock);
            return NULL;
        }
        struct request rq = s->queue[s->head];
        s->head = (s->head + 1) % QUEUE_CAP;
        --s->count;
        pthread_mutex_unlock(&s->qlock);
        handle_transfer(s, &rq);
    }
}

static void dispatch(long i, double t, void* state) {
    (void)t;
    struct service* s = state;
    pthread_mutex_lock(&s->qlock);
    for (int k = 0; k < 10 && s->count < QUEUE_CAP; ++k) { /* 10 every 10 ms */
        const uint64_t id = (uint64_t)i * 10 + (uint64_t)k + 1;
        const uint64_t h = mix(id * 31);
        struct request rq = {id, 100000 + h % 50000, 100000 + (h >> 20) % 50000, (long)(100 + h % 250000)};
        s->queue[s->tail] = rq;
        s->tail = (s->tail + 1) % QUEUE_CAP;
        ++s->count;
    }
    pthread_cond_broadcast(&s->qready);
    pthread_mutex_unlock(&s->qlock);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    static struct service s;
    pool_init(&s.pool);
    pthread_mutex_init(&s.qlock, NULL);
    pthread_cond_init(&s.qready, NULL);
    pthread_mutex_init(&s.stats_lock, NULL);
    pthread_t threads[WORKERS];
    for (int k = 0; k < WORKERS; ++k) pthread_create(&threads[k], NULL, worker, &s);
    pattern_every(0.01, seconds, dispatch, &s);
    pthread_mutex_lock(&s.qlock);
    s.stopping = 1;
    pthread_cond_broadcast(&s.qready);
    pthread_mutex_unlock(&s.qlock);
    for (int k = 0; k < WORKERS; ++k) pthread_join(threads[k], NULL);
    fprintf(stderr, "%llu transfers booked, %llu conflicts answered 409, %llu connection resets, %.1f kB dropped "
                    "(%.0f B per conflict), %.1f MB answered\n",
            (unsigned long long)s.ok, (unsigned long long)s.conflicts, (unsigned long long)s.pool.resets,
            s.dropped_bytes / 1e3, s.conflicts ? (double)s.dropped_bytes / (double)s.conflicts : 0.0,
            s.answered_bytes / 1e6);
    return 0;
}
