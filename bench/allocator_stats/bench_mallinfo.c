// What reading glibc's statistics costs the target: mallinfo2() walks every free chunk of every arena,
// holding that arena's lock meanwhile, so its cost grows with arenas and fragmentation. The tracker
// calls it from its own thread about once a second (src/tracker/allocator_stats.cpp).
//
// T worker threads (default 16: glibc gives them up to 8 x cores arenas) first fragment their arena
// (F blocks of 32..1056 bytes, every other one freed), then churn malloc/free for D seconds. The main
// thread meanwhile calls mallinfo2() every P ms (0 = never; -1 = the tracker's policy: at most once a
// second, at least 1000 x the last call's CPU time and 20 x its wall time apart). Printed: churn throughput, mallinfo2's
// mean and worst time, the number of arenas (from malloc_info) and of free chunks.
// Usage: bench_mallinfo [threads=16] [blocks_per_thread=20000] [seconds=3] [period_ms=1000]
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int g_blocks = 20000;
static atomic_int g_ready;
static atomic_int g_stop;
static atomic_uint_fast64_t g_ops;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void* worker(void* arg) {
    uint64_t seed = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
    void** kept = malloc(sizeof(void*) * (size_t)g_blocks);
    for (int i = 0; i < g_blocks; ++i) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        kept[i] = malloc(32 + (seed >> 33) % 1024);
    }
    for (int i = 0; i < g_blocks; i += 2) free(kept[i]);  // fences: the freed chunks cannot merge
    atomic_fetch_add(&g_ready, 1);
    void* slots[256] = {0};
    uint64_t ops = 0;
    while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        unsigned slot = (unsigned)(seed >> 56);
        free(slots[slot]);
        slots[slot] = malloc(16 + (seed >> 33) % 2048);
        ++ops;
    }
    for (int i = 0; i < 256; ++i) free(slots[i]);
    for (int i = 1; i < g_blocks; i += 2) free(kept[i]);
    free(kept);
    atomic_fetch_add(&g_ops, ops);
    return NULL;
}

static int count_arenas(void) {
    char* text = NULL;
    size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    malloc_info(0, out);
    fclose(out);
    int arenas = 0;
    for (const char* p = text; (p = strstr(p, "<heap nr=")) != NULL; ++p) ++arenas;
    free(text);
    return arenas;
}

int main(int argc, char** argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 16;
    g_blocks = argc > 2 ? atoi(argv[2]) : 20000;
    double seconds = argc > 3 ? atof(argv[3]) : 3;
    int period_ms = argc > 4 ? atoi(argv[4]) : 1000;
    if (threads < 1 || threads > 256 || g_blocks < 2 || seconds <= 0 || period_ms < -1) {
        fprintf(stderr, "usage: bench_mallinfo [threads 1..256] [blocks>=2] [seconds>0] [period_ms>=-1]\n");
        return 2;
    }
    pthread_t* ids = calloc((size_t)threads, sizeof(pthread_t));
    for (int i = 0; i < threads; ++i) pthread_create(&ids[i], NULL, worker, (void*)(uintptr_t)(i + 1));
    while (atomic_load(&g_ready) < threads) usleep(1000);

    double start = now_s(), next = start, worst = 0, total = 0, cpu = 0;
    int calls = 0;
    size_t free_chunks = 0;
    while (now_s() - start < seconds) {
        if (period_ms != 0 && now_s() >= next) {
            double t0 = now_s(), c0 = thread_cpu_s();
            struct mallinfo2 info = mallinfo2();
            double took = now_s() - t0;
            cpu += thread_cpu_s() - c0;
            free_chunks = info.ordblks + info.smblks;
            total += took;
            worst = took > worst ? took : worst;
            ++calls;
            double spacing = 1.0, call_cpu = thread_cpu_s() - c0;
            if (1000 * call_cpu > spacing) spacing = 1000 * call_cpu;
            if (20 * took > spacing) spacing = 20 * took;
            next = period_ms > 0 ? next + period_ms / 1000.0 : now_s() + spacing;
        }
        usleep(1000);
    }
    double elapsed = now_s() - start;
    atomic_store(&g_stop, 1);
    for (int i = 0; i < threads; ++i) pthread_join(ids[i], NULL);
    printf("threads=%d arenas=%d period_ms=%d churn_Mops_per_s=%.3f mallinfo2_calls=%d mean_ms=%.3f worst_ms=%.3f "
           "cpu_mean_ms=%.3f free_chunks=%zu wall_share_pct=%.4f\n",
           threads, count_arenas(), period_ms, (double)atomic_load(&g_ops) / elapsed / 1e6, calls,
           calls ? total / calls * 1e3 : 0.0, worst * 1e3, calls ? cpu / calls * 1e3 : 0.0, free_chunks,
           calls ? total / elapsed * 100.0 : 0.0);
    free(ids);
    return 0;
}
