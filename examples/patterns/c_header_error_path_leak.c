/* A slow leak on a rare error path in C (written in session 14 as a held-out check, never tuned on):
 * an edge proxy parses 2,000 HTTP/1.1 requests a second against an access-control table of ~56 MB it
 * loads at start. Each request's header block is copied, split into lines and parsed into a header
 * array; everything is freed when the request is done. One request in fifty carries an obsolete
 * folded header line (a continuation line starting with a space), which the parser rejects with a
 * 400: the error path builds the reason with asprintf() and keeps a copy of the offending line for
 * the access log, frees the request, and returns, and neither the reason nor the line is ever freed
 * (the access-log writer that was meant to take them was removed in a refactoring).
 * Truth: a leak, linear, from the start: 40 rejected requests a second, each dropping its reason
 * (~75 B) and its copy of the folded line (201-1,401 B): 871 B each on average, ~34.8 kB/s asked of
 * malloc (the program adds up what it drops and prints it on stderr: 557,403 B for 640 rejects in
 * 16 s), ~0.56 MB over the run on ~56-60 MB: ~1% of the process. All of it is allocated in
 * reject_folded_header.
 * Measured (tests/accuracy/measure.py, session 14): live heap +33-34 kB/s over 3-13 s and 5-15 s
 * (55.28 -> 55.83 MB over the run), RSS +36-38 kB/s (59.9 -> 60.3 MB over 3-13 s).
 * Usage: c_header_error_path_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

#define ACL_RULES 200000
#define MAX_HEADERS 48

struct acl_rule {
    uint32_t network;
    uint8_t prefix;
    uint8_t action;
    char tenant[270];
};

struct header {
    char* name;
    char* value;
};

struct request {
    char* raw;
    struct header* headers;
    int count;
    char* error_reason;
    char* error_line;
};

struct proxy {
    struct acl_rule* acl;
    uint64_t rng;
    uint64_t requests, rejected, dropped_bytes, allowed;
};

static uint64_t next_random(struct proxy* p) {
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

/* A request's header block as it came off the socket; every 50th has a folded line. */
static char* read_header_block(struct proxy* p, uint64_t n, int folded) {
    char* block = malloc(8192);
    int len = snprintf(block, 8192,
                       "GET /v2/objects/%llu HTTP/1.1\r\nHost: edge-%llu.example.net\r\nUser-Agent: client/%llu\r\n"
                       "Accept: application/json\r\nX-Request-Id: %016llx\r\nCookie: session=%032llx\r\n",
                       (unsigned long long)n, (unsigned long long)(n % 97), (unsigned long long)(n % 13),
                       (unsigned long long)next_random(p), (unsigned long long)next_random(p));
    if (folded) {
        const int fold = 200 + (int)(next_random(p) % 1201);
        len += snprintf(block + len, (size_t)(8192 - len), "X-Forwarded-Chain: a\r\n ");
        memset(block + len, 'f', (size_t)fold);
        len += fold;
        len += snprintf(block + len, (size_t)(8192 - len), "\r\n");
    }
    snprintf(block + len, (size_t)(8192 - len), "\r\n");
    return block;
}

static void free_request(struct request* r) {
    for (int k = 0; k < r->count; ++k) {
        free(r->headers[k].name);
        free(r->headers[k].value);
    }
    free(r->headers);
    free(r->raw);
    r->headers = NULL;
    r->raw = NULL;
    r->count = 0;
}

/* The 400 path: the reason and the offending line, meant for the access log. */
__attribute__((noinline)) static int reject_folded_header(struct proxy* p, struct request* r, const char* line, size_t len, int number) {
    r->error_line = strndup(line, len);
    if (asprintf(&r->error_reason, "400 Bad Request: obsolete line folding at header line %d after \"%s\"", number,
                 r->count > 0 ? r->headers[r->count - 1].name : "(none)") < 0)
        r->error_reason = NULL;
    p->dropped_bytes += len + 1 + (r->error_reason ? strlen(r->error_reason) + 1 : 0);
    ++p->rejected;
    free_request(r); /* frees the parse, not the error: the leak */
    return -1;
}

static int parse_headers(struct proxy* p, struct request* r) {
    r->headers = calloc(MAX_HEADERS, sizeof *r->headers);
    char* cursor = strstr(r->raw, "\r\n");
    if (!cursor) return -1;
    cursor += 2;
    for (int number = 1; *cursor && r->count < MAX_HEADERS; ++number) {
        char* end = strstr(cursor, "\r\n");
        if (!end || end == cursor) break;
        const size_t len = (size_t)(end - cursor);
        if (*cursor == ' ' || *cursor == '\t') return reject_folded_header(p, r, cursor, len, number);
        char* colon = memchr(cursor, ':', len);
        if (!colon) return -1;
        struct header* h = &r->headers[r->count++];
        h->name = strndup(cursor, (size_t)(colon - cursor));
        h->value = strndup(colon + 2, len - (size_t)(colon - cursor) - 2);
        cursor = end + 2;
    }
    return 0;
}

static int check_acl(struct proxy* p, const struct request* r) {
    uint32_t h = 2166136261u;
    for (int k = 0; k < r->count; ++k)
        for (const char* c = r->headers[k].value; *c; ++c) h = (h ^ (uint8_t)*c) * 16777619u;
    return p->acl[h % ACL_RULES].action;
}

static void tick(long i, double t, void* state) {
    (void)t;
    struct proxy* p = state;
    for (int k = 0; k < 20; ++k) {
        const uint64_t n = (uint64_t)i * 20 + (uint64_t)k;
        struct request r = {0};
        r.raw = read_header_block(p, n, n % 50 == 17);
        ++p->requests;
        if (parse_headers(p, &r) != 0) continue; /* the 400 was answered; the request is "done" */
        p->allowed += check_acl(p, &r) == 1;
        free_request(&r);
    }
}

int main(int argc, char** argv) {
    struct proxy p = {.rng = 0x2545f4914f6cdd1dull};
    p.acl = malloc(sizeof *p.acl * ACL_RULES);
    for (int k = 0; k < ACL_RULES; ++k) {
        p.acl[k].network = (uint32_t)next_random(&p);
        p.acl[k].prefix = (uint8_t)(8 + k % 25);
        p.acl[k].action = (uint8_t)(k % 3 != 0);
        memset(p.acl[k].tenant, 't', sizeof p.acl[k].tenant);
    }
    pattern_every(0.01, pattern_run_seconds(argc, argv, 16), tick, &p);
    fprintf(stderr, "%llu requests, %llu rejected, %llu allowed, %llu bytes of errors dropped (%.0f B each)\n",
            (unsigned long long)p.requests, (unsigned long long)p.rejected, (unsigned long long)p.allowed,
            (unsigned long long)p.dropped_bytes, p.rejected ? (double)p.dropped_bytes / (double)p.rejected : 0.0);
    free(p.acl);
    return 0;
}
