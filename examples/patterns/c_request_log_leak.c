/* A leak in plain C: a server keeps a linked list of request records "for the audit" and never
 * trims it. 300 requests a second, each record a 1000-byte struct with its own malloc'd 24-byte
 * client string: 300 x (1000 + 24) = 307,200 B/s, still reachable (freed at exit, so LeakSanitizer
 * and "leaked at exit" tools report nothing).
 * Truth: linear leak, 307,200 B/s, top site audit_record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pacing.h"

struct record {
    struct record* next;
    long id;
    char* client;
    char payload[1000 - 3 * sizeof(void*)];
};

struct audit_log {
    struct record* head;
    long count;
};

__attribute__((noinline)) static void audit_record(struct audit_log* log, long id) {
    struct record* r = malloc(sizeof *r);
    r->id = id;
    r->client = malloc(24);
    snprintf(r->client, 24, "10.0.%ld.%ld", (id / 256) % 256, id % 256);
    memset(r->payload, (int)('a' + id % 26), sizeof r->payload);
    r->next = log->head;
    log->head = r;
    ++log->count;
}

static void tick(long i, double t, void* state) {
    (void)t;
    for (int k = 0; k < 3; ++k) audit_record(state, i * 3 + k);
}

int main(int argc, char** argv) {
    struct audit_log log = {NULL, 0};
    pattern_every(0.01, pattern_run_seconds(argc, argv, 14), tick, &log);
    printf("%ld requests audited\n", log.count);
    while (log.head) {
        struct record* next = log.head->next;
        free(log.head->client);
        free(log.head);
        log.head = next;
    }
    return 0;
}
