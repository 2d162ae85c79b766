/* A leak outside the malloc heap, in shared memory (written in session 9 as a held-out check, never
 * tuned on): a C metrics exporter renders its text exposition page for each scrape into a 128 KiB
 * memfd buffer mapped MAP_SHARED, so that its sender can splice the pages to the socket without a
 * copy. It keeps 2,000 series (name, labels, a value each) in a malloc'd registry and answers 8
 * scrapes a second. A scrape that completes unmaps its buffer and closes the memfd. One scrape in
 * four times out (the scraper gave up, as a busy Prometheus does): the timeout path closes the fd
 * but forgets the mapping, and the mapping keeps the memfd's pages alive.
 * Truth: a leak, linear, outside the malloc heap (shared memory: RssShmem, counted in RSS): 2 buffers
 * a second of 131,072 bytes, every page written = 262,144 B/s, from the start. Measured under
 * leakscope run: RSS grows 262.2 kB/s over 2-16 s and over 8-16 s (5.21 -> 8.88 MB): ~4 MB over the
 * run, about half the process at the end. The malloc'd live heap is the registry, flat at 0.26 MB;
 * the tracker's "mapped" series stays at 0 (it does not count these shared file mappings). The
 * buffers are mapped in map_scrape_buffer.
 * Usage: c_memfd_scrape_leak SECONDS */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pacing.h"

enum { kSeries = 2000, kPageBytes = 128 * 1024, kScrapesPerTick = 1, kTimeoutEvery = 4 };

struct series {
    char* name;
    char* labels;
    double value;
};

struct exporter {
    struct series registry[kSeries];
    uint64_t scrapes, timeouts, bytes_sent;
};

struct scrape_buffer {
    int fd;
    char* page;
};

__attribute__((noinline)) static struct scrape_buffer map_scrape_buffer(void) {
    struct scrape_buffer b;
    b.fd = memfd_create("metrics-page", MFD_CLOEXEC);
    if (b.fd < 0 || ftruncate(b.fd, kPageBytes) != 0) {
        perror("memfd");
        exit(1);
    }
    b.page = mmap(NULL, kPageBytes, PROT_READ | PROT_WRITE, MAP_SHARED, b.fd, 0);
    if (b.page == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    return b;
}

/* The exposition text, series after series; the rest of the page is padded so the whole buffer is
 * written (a sender hands over whole pages). */
static size_t render(struct exporter* e, char* page) {
    size_t used = 0;
    for (int k = 0; k < kSeries && used + 256 < kPageBytes; ++k) {
        const struct series* s = &e->registry[k];
        used += (size_t)snprintf(page + used, kPageBytes - used, "%s{%s} %.3f\n", s->name, s->labels, s->value);
    }
    memset(page + used, ' ', kPageBytes - used);
    return used;
}

static uint64_t send_pages(const char* page, size_t bytes) {
    uint64_t sum = 0;
    for (size_t k = 0; k < bytes; k += 4096) sum += (unsigned char)page[k];
    return sum + bytes;
}

static void scrape(struct exporter* e) {
    struct scrape_buffer b = map_scrape_buffer();
    size_t bytes = render(e, b.page);
    if (++e->scrapes % kTimeoutEvery == 0) {
        /* The bug: the timeout path closes the memfd and forgets the mapping. */
        close(b.fd);
        ++e->timeouts;
        return;
    }
    e->bytes_sent += send_pages(b.page, bytes);
    munmap(b.page, kPageBytes);
    close(b.fd);
}

static void update(struct exporter* e, long i) {
    for (int k = 0; k < 200; ++k) {
        struct series* s = &e->registry[(i * 200 + k) % kSeries];
        s->value += (double)((i + k) % 17) * 0.25;
    }
}

/* One tick every 125 ms: a scrape, and the values of 200 series move. */
static void tick(long i, double t, void* state) {
    (void)t;
    struct exporter* e = state;
    update(e, i);
    for (int k = 0; k < kScrapesPerTick; ++k) scrape(e);
}

int main(int argc, char** argv) {
    const double seconds = pattern_run_seconds(argc, argv, 16);
    struct exporter* e = calloc(1, sizeof *e);
    for (int k = 0; k < kSeries; ++k) {
        char text[128];
        snprintf(text, sizeof text, "http_requests_total_%d", k % 40);
        e->registry[k].name = strdup(text);
        snprintf(text, sizeof text, "method=\"%s\",code=\"%d\",handler=\"/api/v%d/items\"", k % 2 ? "GET" : "POST",
                 200 + k % 5, k % 50);
        e->registry[k].labels = strdup(text);
    }
    pattern_every(0.125, seconds, tick, e);
    printf("%llu scrapes, %llu timed out, %llu bytes sent\n", (unsigned long long)e->scrapes,
           (unsigned long long)e->timeouts, (unsigned long long)e->bytes_sent);
    return 0;
}
