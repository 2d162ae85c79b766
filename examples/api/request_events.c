/* Counting work units from C. Under `leakscope run -- example_events`, the report gives memory growth
 * per request; run plainly, the calls cost a few nanoseconds and do nothing else. */
#include <leakscope/events.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    struct entry* next;
    char payload[40];
};

int main(int argc, char** argv) {
    long requests = argc > 1 ? atol(argv[1]) : 200000;
    struct entry* log = NULL;
    for (long i = 0; i < requests; ++i) {
        char* buffer = malloc(256); /* per-request work, freed */
        memset(buffer, 'r', 256);
        free(buffer);
        if (i % 10 == 0) { /* every tenth request leaks a log entry: ~5 B per request */
            struct entry* e = malloc(sizeof *e);
            e->next = log;
            log = e;
        }
        leakscope_event();
    }
    printf("%llu requests counted%s\n", (unsigned long long)leakscope_event_count(),
           leakscope_tracker_present() ? " (reported to leakscope)" : "");
    return 0;
}
