// Target program for the tracker tests: each scenario (argv[1]) makes a known pattern of allocations from
// functions with stable extern "C" names, so the test can find their sites in the stream by symbol and
// assert exact live bytes and counts. The program checks its own results (alignment, errno) and exits
// non-zero when one is wrong, so "same behaviour under the tracker" is tested too.
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <new>
#include <string>
#include <thread>
#include <vector>

#define PATTERN extern "C" __attribute__((noinline, used))

namespace {
int g_failures = 0;
void check(bool ok, const char* what) {
    if (!ok) {
        fprintf(stderr, "check failed: %s\n", what);
        ++g_failures;
    }
}
// Every allocation is stored here, so the compiler cannot drop it.
void* volatile g_sink;
// Let the tracker send at least one snapshot: tests use a 20 ms interval, and 300 ms leave room for a
// loaded machine to schedule the tracker's thread.
void let_snapshot_go() { usleep(300 * 1000); }
}  // namespace

// ---- every C hook: leaks a known number of known sizes from its own function ----
PATTERN void leak_malloc() { for (int i = 0; i < 10; ++i) g_sink = malloc(100); }
PATTERN void leak_calloc() {
    for (int i = 0; i < 5; ++i) {
        auto* p = static_cast<unsigned char*>(calloc(10, 20));
        check(p && p[0] == 0 && p[199] == 0, "calloc zeroes");
        g_sink = p;
    }
}
PATTERN void leak_realloc() {
    void* p = realloc(nullptr, 64);  // from null: an allocation
    p = realloc(p, 1000);            // grow: the block now belongs to this site with 1000 bytes
    g_sink = p;
}
PATTERN void leak_reallocarray() { g_sink = reallocarray(nullptr, 30, 10); }
PATTERN void leak_posix_memalign() {
    for (size_t alignment = 16; alignment <= 4096; alignment *= 2) {
        void* p = nullptr;
        check(posix_memalign(&p, alignment, 48) == 0, "posix_memalign succeeds");
        check(reinterpret_cast<uintptr_t>(p) % alignment == 0, "posix_memalign alignment");
        g_sink = p;
    }
    void* q = nullptr;
    check(posix_memalign(&q, 24, 48) == EINVAL, "posix_memalign rejects a non-power-of-two");
}
PATTERN void leak_aligned_alloc() {
    for (size_t alignment = 64; alignment <= 8192; alignment *= 2) {
        void* p = aligned_alloc(alignment, alignment * 2);
        check(p && reinterpret_cast<uintptr_t>(p) % alignment == 0, "aligned_alloc alignment");
        g_sink = p;
    }
}
PATTERN void leak_memalign() { g_sink = memalign(256, 77); }
PATTERN void leak_valloc() { g_sink = valloc(10); }
PATTERN void leak_pvalloc() { g_sink = pvalloc(10); }
PATTERN void freed_everything() {
    for (int i = 0; i < 20; ++i) {
        void* p = malloc(static_cast<size_t>(i) * 8 + 1);
        g_sink = p;  // else the compiler may drop the malloc/free pair
        free(p);
    }
    void* p = malloc(50);
    check(realloc(p, 0) == nullptr, "realloc to 0 frees and returns null");
    errno = 0;
    check(calloc(SIZE_MAX / 2, 4) == nullptr && errno == ENOMEM, "calloc overflow gives null with ENOMEM");
    errno = 0;
    check(reallocarray(nullptr, SIZE_MAX / 2, 4) == nullptr && errno == ENOMEM, "reallocarray overflow gives ENOMEM");
    check(malloc(SIZE_MAX - 4096) == nullptr, "an impossible malloc fails");
    void* q = malloc(100);
    g_sink = q;
    check(malloc_usable_size(q) >= 100, "malloc_usable_size passes through");
    free(q);
    free(nullptr);
}
// free keeps errno (POSIX), also while the tracker's table shrinks under it (its pages unmapped) and
// grows again: 20,000 blocks freed one by one with errno set, twice. A successful malloc keeps it too
// (the tracker reads and restores it relative to the thread pointer: tested in a second thread as well).
PATTERN void freed_keeping_errno() {
    static void* blocks[20000];
    for (int round = 0; round < 2; ++round) {
        bool kept_by_malloc = true;
        for (auto& b : blocks) {
            errno = ERANGE;
            b = malloc(32);
            kept_by_malloc = kept_by_malloc && errno == ERANGE;
        }
        check(kept_by_malloc, "malloc keeps errno");
        bool kept = true;
        for (auto& b : blocks) {
            errno = EDOM;
            free(b);
            kept = kept && errno == EDOM;
        }
        check(kept, "free keeps errno");
    }
}

PATTERN void allocated_keeping_errno_in_a_thread() {
    std::thread worker([] {
        bool kept = true;
        for (int i = 0; i < 1000; ++i) {
            errno = EILSEQ;
            void* p = malloc(24 + i % 100);
            kept = kept && errno == EILSEQ;
            g_sink = p;  // used: the pair is not optimized away
            free(p);
        }
        check(kept, "malloc keeps errno in another thread");
    });
    worker.join();
}

// ---- operator new / delete, every form ----
struct alignas(128) Overaligned { char bytes[256]; };
PATTERN void leak_new() { g_sink = new char[40]; g_sink = new int(7); }
PATTERN void leak_new_nothrow() { g_sink = new (std::nothrow) char[24]; }
PATTERN void leak_new_aligned() {
    auto* o = new Overaligned;
    check(reinterpret_cast<uintptr_t>(o) % 128 == 0, "aligned new");
    g_sink = o;
    g_sink = new Overaligned[2];
}
PATTERN void freed_new() {
    for (int i = 0; i < 10; ++i) delete new std::string(100, 'x');  // sized delete of the object, plain of the buffer
    delete[] new char[33];
    delete new Overaligned;
    delete[] new Overaligned[3];
    ::operator delete(::operator new(16, std::nothrow), std::nothrow);
    ::operator delete(::operator new(64, std::align_val_t(64)), std::align_val_t(64));
    ::operator delete[](::operator new[](64, std::align_val_t(64), std::nothrow), std::align_val_t(64), std::nothrow);
    ::operator delete(::operator new(48), 48);
    bool threw = false;
    try {
        g_sink = ::operator new(SIZE_MAX / 2);
    } catch (const std::bad_alloc&) {
        threw = true;
    }
    check(threw, "operator new throws bad_alloc");
    // The new-handler runs before bad_alloc is thrown (here once: it removes itself).
    static int handler_calls = 0;
    std::set_new_handler([] {
        ++handler_calls;
        std::set_new_handler(nullptr);
    });
    threw = false;
    try {
        g_sink = ::operator new[](SIZE_MAX / 2);
    } catch (const std::bad_alloc&) {
        threw = true;
    }
    check(threw && handler_calls == 1, "operator new[] calls the new-handler, then throws bad_alloc");
    check(::operator new(SIZE_MAX / 2, std::nothrow) == nullptr, "nothrow new returns null");
}

// ---- anonymous mappings ----
PATTERN void leak_mmap() {
    for (int i = 0; i < 3; ++i) {
        void* p = mmap(nullptr, 64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        check(p != MAP_FAILED, "mmap");
        g_sink = p;
    }
    // 8 pages, then a hole of 2 pages punched in the middle: 6 pages stay mapped.
    auto* q = static_cast<char*>(mmap(nullptr, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    check(munmap(q + 3 * 4096, 2 * 4096) == 0, "partial munmap");
    // 4 pages grown to 10 by mremap: 10 pages.
    void* r = mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    r = mremap(r, 4 * 4096, 10 * 4096, MREMAP_MAYMOVE);
    check(r != MAP_FAILED, "mremap");
    // Mapped and unmapped again: nothing stays.
    void* s = mmap(nullptr, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(s, 5 * 4096);
}

// Memory-backed files: a memfd buffer mapped shared and its descriptor closed (the mapping keeps its pages:
// memfd_create's scrape buffer that a timeout path forgot to unmap), a POSIX shared-memory file in
// /dev/shm mapped the same way, a memfd mapping unmapped again, and a file on disk mapped privately
// (page cache, not the program's memory): 16 + 4 pages stay, the file on disk never counts.
PATTERN void leak_memory_file_mappings() {
    const int memfd = static_cast<int>(syscall(SYS_memfd_create, "scrape-page", 0));
    check(memfd >= 0 && ftruncate(memfd, 16 * 4096) == 0, "memfd");
    g_sink = mmap(nullptr, 16 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    check(g_sink != MAP_FAILED, "memfd mmap");
    void* gone = mmap(nullptr, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    check(gone != MAP_FAILED && munmap(gone, 2 * 4096) == 0, "memfd mmap and munmap");
    close(memfd);
    char shm_path[64];
    snprintf(shm_path, sizeof shm_path, "/dev/shm/leakscope-test-%d", static_cast<int>(getpid()));
    const int shm = open(shm_path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (shm >= 0) {  // /dev/shm is there on every Linux the tests run on; a container without it skips this part
        unlink(shm_path);
        check(ftruncate(shm, 4 * 4096) == 0, "shm ftruncate");
        g_sink = mmap(nullptr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
        check(g_sink != MAP_FAILED, "shm mmap");
        close(shm);
    }
    const int disk = open("/proc/self/exe", O_RDONLY);
    check(disk >= 0, "open own binary");
    g_sink = mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE, disk, 0);
    check(g_sink != MAP_FAILED, "file mmap");
    close(disk);
}

// A JVM-style heap: 64 MiB of address space reserved PROT_NONE, 16 pages of it committed by mapping
// them again, readable and writable, with MAP_FIXED, then 4 of those given back the same way (PROT_NONE
// over them). The runtime's own heap space: none of it is counted.
PATTERN void reserve_and_commit() {
    constexpr std::size_t kReserved = 64u << 20;
    auto* base = static_cast<char*>(mmap(nullptr, kReserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    check(base != MAP_FAILED, "reserve");
    check(mmap(base, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == base, "commit");
    base[0] = 1;
    check(mmap(base + 12 * 4096, 4 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) ==
              base + 12 * 4096,
          "uncommit");
    g_sink = base;
}

// A mapping made over part of an ordinary readable one (MAP_FIXED, not into a reservation) replaces
// those pages and counts: 8 pages, 2 of them mapped again, stay 8 pages in 2 mappings.
PATTERN void remap_fixed() {
    auto* base = static_cast<char*>(mmap(nullptr, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    check(base != MAP_FAILED, "map");
    check(mmap(base + 2 * 4096, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
              base + 2 * 4096,
          "map again");
    g_sink = base;
}

static void scenario_hooks() {
    leak_malloc();
    leak_calloc();
    leak_realloc();
    leak_reallocarray();
    leak_posix_memalign();
    leak_aligned_alloc();
    leak_memalign();
    leak_valloc();
    leak_pvalloc();
    freed_everything();
    freed_keeping_errno();
    allocated_keeping_errno_in_a_thread();
    leak_new();
    leak_new_nothrow();
    leak_new_aligned();
    freed_new();
    leak_mmap();
    leak_memory_file_mappings();
    reserve_and_commit();
    remap_fixed();
}

// ---- threads freeing each other's memory ----
constexpr int kThreads = 4;
constexpr int kPerThread = 5000;
std::atomic<void*> g_handoff[kThreads][64];

PATTERN void thread_allocate(int self) {
    // Allocates into this thread's handoff slots; the next thread frees them.
    for (int i = 0; i < kPerThread; ++i) {
        std::atomic<void*>& slot = g_handoff[self][i % 64];
        void* fresh = malloc(static_cast<size_t>(16 + (i % 7) * 16));
        void* expected = nullptr;
        while (!slot.compare_exchange_weak(expected, fresh)) {
            expected = nullptr;
            std::this_thread::yield();
        }
    }
}
PATTERN void thread_leak(int self) { for (int i = 0; i <= self; ++i) g_sink = malloc(1000); }

static void thread_free_others(int self, std::atomic<int>& done) {
    int victim = (self + 1) % kThreads;
    int freed = 0;
    while (freed < kPerThread) {
        for (auto& slot : g_handoff[victim]) {
            if (void* p = slot.exchange(nullptr)) {
                free(p);
                ++freed;
            }
        }
    }
    done.fetch_add(1);
}

static void scenario_threads() {
    std::atomic<int> done{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([t] { thread_allocate(t); thread_leak(t); });
        threads.emplace_back([t, &done] { thread_free_others(t, done); });
    }
    for (auto& th : threads) th.join();
    check(done.load() == kThreads, "every freeing thread finished");
}

// ---- many short-lived threads: counter slots are released at thread exit and reused ----
PATTERN void short_thread_leak() { g_sink = malloc(48); }

static void scenario_many_threads() {
    for (int round = 0; round < 30; ++round) {
        std::vector<std::thread> batch;
        for (int t = 0; t < 25; ++t)
            batch.emplace_back([] {
                short_thread_leak();
                void* p = malloc(4000);
                g_sink = p;
                free(p);
            });
        for (auto& th : batch) th.join();
    }
}

// ---- fork with and without exec ----
PATTERN void parent_before_fork() { g_sink = malloc(111); }
PATTERN void child_after_fork() { for (int i = 0; i < 3; ++i) g_sink = malloc(222); }
PATTERN void exec_child_allocates() { for (int i = 0; i < 4; ++i) g_sink = malloc(333); }
PATTERN void parent_after_fork() { g_sink = malloc(444); }

// `env LD_PRELOAD=libm.so.6 ./prog` inside a tracked tree: the environment handed to exec replaces the
// tracker's preload (keep_variables: the run's LEAKSCOPE_TRACKER_* stay, as env leaves them; else they
// go too, as `env -i` would). The exec'd image says what LD_PRELOAD it got, then allocates.
static void scenario_exec_replacing_preload(const char* self_path, bool keep_variables) {
    if (!keep_variables) unsetenv("LEAKSCOPE_TRACKER_SOCKET");
    setenv("LD_PRELOAD", "libm.so.6", 1);
    fflush(stdout);
    execl(self_path, self_path, "exec-child-says-preload", static_cast<char*>(nullptr));
    _exit(127);
}

static void scenario_fork(const char* self_path, bool with_exec) {
    parent_before_fork();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (with_exec) {
            child_after_fork();  // the child reports as a stream of its own, then execs
            let_snapshot_go();
            execl(self_path, self_path, "exec-child", static_cast<char*>(nullptr));
            _exit(127);
        }
        child_after_fork();
        let_snapshot_go();
        exit(0);
    }
    parent_after_fork();
    int status = 0;
    waitpid(child, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");
}

// ---- a forked child's transport starts late (sampling mode, nothing sampled) ----
static int own_threads() {
    int n = 0;
    if (FILE* f = fopen("/proc/self/status", "r")) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "Threads: %d", &n) == 1) break;
        fclose(f);
    }
    return n;
}

/// `leave`: 0 allocates 5000 more blocks, 1 allocates once after sleeping past the interval (LEAKSCOPE_TRACKER_INTERVAL_MS).
static void deferred_child(int leave) {
    child_after_fork();
    check(own_threads() == 1, "a forked child starts no transport thread for its first allocations");
    if (leave == 0) {
        for (int i = 0; i < 5000; ++i) {
            g_sink = malloc(48);  // through g_sink: the compiler drops a free(malloc(n))
            free(g_sink);
        }
    } else {
        const char* interval = getenv("LEAKSCOPE_TRACKER_INTERVAL_MS");
        usleep(static_cast<useconds_t>((interval ? atoi(interval) : 100) * 3 * 1000));
        g_sink = malloc(64);
    }
    check(own_threads() == 2, leave == 0 ? "the thread starts by the 4096th allocation" : "the thread starts one interval after the fork");
}

static void scenario_fork_deferred() {
    for (int leave = 0; leave < 2; ++leave) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            deferred_child(leave);
            exit(g_failures == 0 ? 0 : 1);  // no failure before the fork: the parent stops at its first
        }
        int status = 0;
        waitpid(child, &status, 0);
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");
        if (g_failures) return;
    }
}

/// A child that forks a grandchild, which execs at once; the child exits after it.
static void scenario_fork_fork_exec(const char* self_path) {
    parent_before_fork();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        child_after_fork();
        pid_t grandchild = fork();
        if (grandchild == 0) {
            execl(self_path, self_path, "exec-child", static_cast<char*>(nullptr));
            _exit(127);
        }
        int status = 0;
        waitpid(grandchild, &status, 0);
        exit(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1);
    }
    parent_after_fork();
    int status = 0;
    waitpid(child, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child and grandchild exited 0");
}

// ---- a forked worker: what it inherits is the parent's, counted once ----
// 120 distinct stacks (two leaves at 60 depths), so a child that re-sent the parent's depot would show.
PATTERN void varied_leaf_a(int) { g_sink = malloc(100); }
PATTERN void varied_leaf_b(int) { g_sink = malloc(100); }
PATTERN void varied_stack(int depth, bool b, void** keep) {
    if (depth > 0) {
        varied_stack(depth - 1, b, keep);
        g_sink = *keep;  // work after the call: no tail call, one frame per level
        return;
    }
    b ? varied_leaf_b(0) : varied_leaf_a(0);
    *keep = g_sink;
}
PATTERN void shared_site(size_t size) { g_sink = malloc(size); }
PATTERN void parent_big_block(void** keep) { *keep = malloc(1000000); }
PATTERN void worker_own() { for (int i = 0; i < 3; ++i) g_sink = malloc(222); }

static void scenario_fork_worker() {
    static void* kept[120];
    for (int i = 0; i < 120; ++i) varied_stack(i % 60, i >= 60, &kept[i]);
    void* big = nullptr;
    parent_big_block(&big);
    pid_t child = -1;
    for (int pass = 0; pass < 2; ++pass) {
        shared_site(pass == 0 ? 4000 : 1000);  // one call site: the child's pass 1 uses the parent's stack
        if (pass == 1) break;
        let_snapshot_go();  // the parent's stream has sent its stacks before the fork
        fflush(stdout);
        if ((child = fork()) != 0) break;
    }
    if (child == 0) {
        free(kept[0]);  // a block the parent allocated: not the child's to subtract
        worker_own();
        let_snapshot_go();
        exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exited 0");
    check(big != nullptr, "big block");
}

// ---- a service that leaks steadily (for leakscope going away and coming back) ----
PATTERN void leak_step() { g_sink = malloc(1000); }

static void scenario_leak_steadily(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    long steps = 0;
    for (; std::chrono::steady_clock::now() < end; ++steps) {
        leak_step();
        usleep(5 * 1000);
    }
    printf("leaked %ld\n", steps);
}

// A child made by the raw clone system call: no fork handlers run in it. It must stay out of the
// parent's stream (it may simply go untracked).
PATTERN void raw_clone_child_allocates() { for (int i = 0; i < 5; ++i) g_sink = malloc(555); }

static void scenario_raw_clone() {
    parent_before_fork();
    let_snapshot_go();  // the parent's stream is up
    fflush(stdout);
    long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (child == 0) {
        raw_clone_child_allocates();
        exit(0);  // runs the tracker's exit flush in the child
    }
    int status = 0;
    waitpid(static_cast<pid_t>(child), &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "raw clone child exited 0");
    parent_after_fork();
}

// Raw clones at every phase of the transport's rounds (the test asks for a round every millisecond): a
// child cloned while the transport thread held a lock (the loader's during its module scan, the
// transport's own during a snapshot) must not wait for it for ever, neither when it allocates nor when it
// forks (the fork handlers take the tracker's locks). A child not done within 10 s is reported and killed
// rather than hanging the test.
static void raw_clone_child_forks() {
    pid_t grandchild = fork();
    if (grandchild == 0) {
        raw_clone_child_allocates();
        _exit(0);
    }
    int status = 0;
    if (grandchild < 0 || waitpid(grandchild, &status, 0) != grandchild || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        _exit(3);
}

static void scenario_raw_clone_many(int clones) {
    parent_before_fork();
    let_snapshot_go();
    fflush(stdout);
    int stuck = 0;
    for (int i = 0; i < clones && stuck == 0; ++i) {
        long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
        if (child == 0) {
            raw_clone_child_allocates();
            if (i % 2) raw_clone_child_forks();
            exit(0);
        }
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        pid_t done = 0;
        while ((done = waitpid(static_cast<pid_t>(child), &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
            usleep(1000);
        if (done == 0) {
            fprintf(stderr, "raw clone child %d of %d stuck for 10 s\n", i + 1, clones);
            ++stuck;
            kill(static_cast<pid_t>(child), SIGKILL);
            waitpid(static_cast<pid_t>(child), &status, 0);
            continue;
        }
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "raw clone child exited 0");
        usleep(static_cast<useconds_t>(i % 7) * 150);  // shift the next clone against the rounds
    }
    check(stuck == 0, "no raw clone child stuck");
    parent_after_fork();
}

// ---- dlopen/dlclose of a library that allocates ----
static void scenario_dlopen(const char* plugin_path) {
    for (int round = 0; round < 2; ++round) {
        void* handle = dlopen(plugin_path, RTLD_NOW);
        check(handle != nullptr, "dlopen");
        if (!handle) return;
        auto make = reinterpret_cast<void* (*)(int)>(dlsym(handle, "plugin_make"));
        check(make != nullptr, "dlsym plugin_make");
        if (make) g_sink = make(round);  // leaked, 1000 bytes each
        let_snapshot_go();  // the tracker sees the library loaded
        dlclose(handle);
        let_snapshot_go();  // ... and unloaded
    }
}

// ---- programs that allocate in awkward places ----
PATTERN void leak_in_static_constructor() { g_sink = malloc(123); }
__attribute__((constructor(101))) static void early_constructor() { leak_in_static_constructor(); }

static pthread_key_t g_key;
static void key_destructor(void* value) {
    free(value);
    g_sink = malloc(55);  // allocating in a thread-key destructor
}
static volatile sig_atomic_t g_signal_allocated = 0;
static void on_signal(int) {
    void* p = malloc(66);  // not async-signal-safe, but real programs do it
    free(p);
    g_signal_allocated = 1;
}
static void after_main() {
    void* p = malloc(77);
    free(p);
    printf("after main ran\n");
}

static void scenario_edge_cases() {
    pthread_key_create(&g_key, key_destructor);
    std::thread t([] { pthread_setspecific(g_key, malloc(10)); });
    t.join();
    signal(SIGUSR1, on_signal);
    for (int i = 0; i < 200 && !g_signal_allocated; ++i) {
        raise(SIGUSR1);
        g_sink = malloc(10);
        free(g_sink);
    }
    check(g_signal_allocated == 1, "signal handler ran");
    atexit(after_main);
}

// ---- a stack through a signal frame, once the transport thread has loaded libunwind ----
PATTERN void leak_in_signal_handler(int) { g_sink = malloc(555); }
PATTERN void raise_for_signal_leak() {
    raise(SIGUSR1);
    asm volatile("" ::: "memory");  // no tail call: this frame stays under the signal frame
}

static void scenario_signal_stack() {
    g_sink = malloc(10);  // the first tracked allocation starts the transport thread, which loads libunwind
    let_snapshot_go();
    signal(SIGUSR1, leak_in_signal_handler);
    raise_for_signal_leak();
}

// ---- sampling: per-site estimates must be unbiased ----
PATTERN void sampled_small_many() { for (int i = 0; i < 200000; ++i) g_sink = malloc(64); }
PATTERN void sampled_large_few() { for (int i = 0; i < 100; ++i) g_sink = malloc(100000); }
PATTERN void sampled_freed() {
    for (int i = 0; i < 100000; ++i) {
        void* p = malloc(1000);
        g_sink = p;
        free(p);
    }
}
// Sampled blocks of every form: the program sees its contents, and each free finds its entry.
PATTERN void sampled_freed_forms() {
    for (int i = 0; i < 20000; ++i) {
        auto* zeroed = static_cast<unsigned char*>(calloc(1, 1000));
        bool all_zero = true;
        for (int b = 0; b < 1000; ++b) all_zero = all_zero && zeroed[b] == 0;
        check(all_zero, "sampled calloc is zeroed");
        auto* grown = static_cast<unsigned char*>(malloc(100));
        memset(grown, 7, 100);
        grown = static_cast<unsigned char*>(realloc(grown, 3000));
        check(grown[0] == 7 && grown[99] == 7, "sampled realloc keeps the contents");
        g_sink = grown;
        free(grown);
        // A block resized up and down, sampled or not at each step (on the boundary, kept from an earlier
        // sample, or glibc's own): its bytes follow it and it has at least what was asked for.
        auto* resized = static_cast<unsigned char*>(malloc(5000));
        for (int b = 0; b < 5000; ++b) resized[b] = static_cast<unsigned char>(b % 251);
        resized = static_cast<unsigned char*>(realloc(resized, 6000));
        bool follows = malloc_usable_size(resized) >= 6000;
        for (int b = 0; b < 5000; ++b) follows = follows && resized[b] == b % 251;
        resized = static_cast<unsigned char*>(realloc(resized, 200));
        follows = follows && malloc_usable_size(resized) >= 200;
        for (int b = 0; b < 200; ++b) follows = follows && resized[b] == b % 251;
        check(follows && malloc_usable_size(zeroed) >= 1000, "a resized block keeps its bytes and its size");
        g_sink = resized;
        free(resized);
        memset(zeroed, 0x5a, 1000);  // a later calloc given this memory must clear it
        free(zeroed);
        char* array = new char[500];
        g_sink = array;
        delete[] array;
        void* aligned = aligned_alloc(64, 640);
        check((reinterpret_cast<uintptr_t>(aligned) & 63) == 0, "sampled aligned_alloc stays aligned");
        g_sink = aligned;
        free(aligned);
    }
}

// ---- sampling: threads that each allocate less than the mean ----
// 400 threads keep 40 blocks of 256 bytes each (10 KiB: at a 16 KiB mean more than half of them are
// never sampled, so their hooks' fast paths open without a counter slot; the others claim one midway).
constexpr int kShortThreads = 400, kShortThreadBlocks = 40;
void* g_short_thread_blocks[kShortThreads][kShortThreadBlocks];
PATTERN void short_thread_keeps_blocks(int thread) {
    for (int i = 0; i < kShortThreadBlocks; ++i) g_short_thread_blocks[thread][i] = malloc(256);
}

static void scenario_sampling_threads() {
    for (int round = 0; round < kShortThreads / 25; ++round) {
        std::vector<std::thread> batch;
        for (int t = 0; t < 25; ++t) batch.emplace_back(short_thread_keeps_blocks, round * 25 + t);
        for (auto& th : batch) th.join();
    }
    let_snapshot_go();
}

// Blocks of 1 MB are sampled at a 16 KiB mean but with probability exp(-64) (half of them exp(-32)): with
// glibc, sampling mode leaves such a block where glibc's own call puts it (only blocks of the kept classes,
// up to 8 KiB, are placed on the 4096-byte boundary; its free finds a larger one by its chunk's size), in
// every form, with the contents each form promises. Also what glibc refuses, refused the same.
PATTERN void sampled_blocks_on_boundary() {
    constexpr size_t kBig = 1 << 20;
    for (int i = 0; i < 20; ++i) {
        auto* zeroed = static_cast<unsigned char*>(calloc(kBig, 1));
        check(zeroed != nullptr, "sampled calloc");
        check(zeroed[0] == 0 && zeroed[kBig / 2] == 0 && zeroed[kBig - 1] == 0, "sampled large calloc is zeroed");
        auto* grown = static_cast<unsigned char*>(malloc(kBig / 2));
        memset(grown, 9, 64);
        grown = static_cast<unsigned char*>(realloc(grown, kBig));
        check(grown != nullptr && grown[0] == 9 && grown[63] == 9, "sampled realloc keeps the contents");
        char* array = new char[kBig];
        array[kBig - 1] = 1;
        void* aligned = nullptr;
        check(posix_memalign(&aligned, 8192, kBig) == 0 && (reinterpret_cast<uintptr_t>(aligned) & 8191) == 0,
              "sampled posix_memalign keeps a larger alignment");
        // glibc rounds the alignment up to a power of two
        void* odd = memalign(3 * 4096, kBig);
        check(odd != nullptr && (reinterpret_cast<uintptr_t>(odd) & 16383) == 0, "memalign rounds a non-power-of-two up");
        g_sink = zeroed;
        free(zeroed);
        free(grown);
        delete[] array;
        free(aligned);
        free(odd);
    }
    void* refused = nullptr;
    check(posix_memalign(&refused, 4, kBig) == EINVAL && posix_memalign(&refused, 24, kBig) == EINVAL &&
              posix_memalign(&refused, 0, kBig) == EINVAL,
          "posix_memalign refuses what glibc refuses");
}

// calloc's zeros with glibc's perturbation on (MALLOC_PERTURB_, as test suites set it): glibc fills a fresh
// block, a mapped one too, with the byte's complement and clears what calloc returns; a sampled calloc
// placed on the boundary must read as zeros all the same. Sizes from its heap and mapped (above glibc's
// 128 KiB threshold, fixed: glibc would otherwise raise it at the first free of a mapped block), each
// block dirtied before its free so that a kept one comes back dirty.
PATTERN void sampled_calloc_perturbed() {
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    const size_t sizes[] = {1000, 6000, 200 * 1024, 1 << 20};
    for (int i = 0; i < 40; ++i) {
        for (size_t size : sizes) {
            auto* zeroed = static_cast<unsigned char*>(calloc(1, size));
            bool all_zero = zeroed != nullptr;
            for (size_t b = 0; all_zero && b < size; ++b) all_zero = zeroed[b] == 0;
            check(all_zero, "calloc is zeroed under MALLOC_PERTURB_");
            if (zeroed) memset(zeroed, 0x3c, size);
            g_sink = zeroed;
            free(zeroed);
        }
    }
}

// ---- a program that closes every descriptor and reuses the numbers (daemons do) ----
static int find_socket_descriptor() {
    for (int fd = 3; fd < 1024; ++fd) {
        char link[64], target[256];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n > 0 && strncmp(target, "socket:", 7) == 0) return fd;
    }
    return -1;
}

PATTERN void allocate_after_closing_descriptors() {
    for (int i = 0; i < 100; ++i) g_sink = malloc(100);
}

static void scenario_close_fds() {
    g_sink = malloc(10);
    int reused = -1;
    for (int i = 0; i < 500 && (reused = find_socket_descriptor()) < 0; ++i) usleep(10 * 1000);  // connected?
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    check(reused >= 0, "the tracker's socket was found");
    // A socket of the same kind as the tracker's: a send() to it would succeed, so only knowing that the
    // number no longer names our socket keeps the tracker from writing into the program's connection.
    int pipe_fds[2];
    check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pipe_fds) == 0, "socketpair");
    if (reused >= 0) dup2(pipe_fds[1], reused);  // the program's own socket now has the tracker's old number
    allocate_after_closing_descriptors();
    let_snapshot_go();
    close(pipe_fds[1]);
    if (reused >= 0) close(reused);
    char buffer[16];
    check(read(pipe_fds[0], buffer, sizeof(buffer)) == 0, "nothing of the tracker's was written into the program's pipe");
}

// ---- the same, while the tracker is in the middle of a flush: a thread keeps 1,024 stacks' sites
// changing, so every round sends for milliseconds, and the descriptors go at a random moment of it ----
PATTERN void churn_leaf(unsigned path) {
    static thread_local void* ring[4096];
    static thread_local unsigned next;
    free(ring[next % 4096]);
    ring[next++ % 4096] = malloc(32 + path % 512);
}
PATTERN void churn_left(int depth, unsigned path);
PATTERN void churn_right(int depth, unsigned path);
static void churn_step(int depth, unsigned path) {
    if (depth == 0) return churn_leaf(path);
    if ((path >> depth) & 1) churn_left(depth - 1, path);
    else churn_right(depth - 1, path);
}
PATTERN void churn_left(int depth, unsigned path) {
    churn_step(depth, path);
    g_sink = nullptr;  // no tail call: each level keeps its frame, so each path is its own stack
}
PATTERN void churn_right(int depth, unsigned path) {
    churn_step(depth, path);
    g_sink = nullptr;
}

/// The id of this process's thread called `name` (its comm), waiting up to 2 s for it to appear; -1 if none.
static int find_thread_named(const char* name) {
    for (int tries = 0; tries < 200; ++tries, usleep(10 * 1000)) {
        DIR* tasks = opendir("/proc/self/task");
        int found = -1;
        for (dirent* entry; tasks && found < 0 && (entry = readdir(tasks)) != nullptr;) {
            if (entry->d_name[0] == '.') continue;
            char path[300], comm[32] = {};
            snprintf(path, sizeof(path), "/proc/self/task/%s/comm", entry->d_name);
            FILE* file = fopen(path, "r");
            if (!file) continue;  // a thread that ended
            if (fgets(comm, sizeof(comm), file) && strncmp(comm, name, strlen(name)) == 0) found = atoi(entry->d_name);
            fclose(file);
        }
        if (tasks) closedir(tasks);
        if (found > 0) return found;
    }
    return -1;
}

/// The thread's state letter from /proc/self/task/TID/stat (R running, S sleeping...).
static char thread_state(int tid) {
    char path[64], text[512] = {};
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '?';
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    const char* end = n > 0 ? strrchr(text, ')') : nullptr;
    return end && end[1] == ' ' ? end[2] : '?';
}

static void scenario_close_fds_mid_flush(const std::string& how) {
    std::atomic<bool> stop{false};
    std::thread churn([&stop] {
        for (unsigned i = 0; !stop.load(std::memory_order_relaxed); ++i) churn_left(15, i * 2654435761u);
    });
    int reused = -1;
    for (int i = 0; i < 500 && (reused = find_socket_descriptor()) < 0; ++i) usleep(10 * 1000);
    check(reused >= 0, "the tracker's socket was found");
    // The moment: the tracker's thread running (state R in /proc), which it is only while it flushes.
    const int tracker_thread = find_thread_named("leakscope-trk");
    check(tracker_thread > 0, "the tracker's thread was found");
    for (int spins = 0; tracker_thread > 0 && spins < 200000 && thread_state(tracker_thread) != 'R'; ++spins) {
    }
    // The program's socket takes the number, by the call named in argv[2]: dup2 and dup3 replace what
    // the number named (our socket); after close, close_range and closefrom the lowest free descriptor
    // from there up is the number again.
    int pipe_fds[2];
    check(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pipe_fds) == 0, "socketpair");
    if (reused >= 0) {
        if (how == "dup2") {
            dup2(pipe_fds[1], reused);
        } else if (how == "dup3") {
            dup3(pipe_fds[1], reused, O_CLOEXEC);
        } else {
            if (how == "close") close(reused);
            else if (how == "close_range") close_range(static_cast<unsigned>(reused), ~0U, 0);
            else closefrom(reused);
            check(fcntl(pipe_fds[1], F_DUPFD, reused) == reused, "the program's socket took the number");
        }
    }
    usleep(100 * 1000);
    stop.store(true);
    churn.join();
    close(pipe_fds[1]);
    if (reused >= 0) close(reused);
    char buffer[16];
    const ssize_t got = read(pipe_fds[0], buffer, sizeof(buffer));
    check(got == 0, "nothing of the tracker's was written into the program's pipe");
}

// The size of this process's descriptor table (FDSize in /proc/self/status) as main starts: the
// tracker grows it in its constructor, while the process has one thread (see transport.cpp).
static void scenario_descriptor_table() {
    FILE* status = fopen("/proc/self/status", "r");
    char line[256];
    while (status && fgets(line, sizeof(line), status)) {
        if (strncmp(line, "FDSize:", 7) == 0) printf("%s", line);
    }
    if (status) fclose(status);
}

// ---- the in-process C ABI (tracker_abi.h and the proposed sites extension) ----
PATTERN void abi_leak() { for (int i = 0; i < 50; ++i) g_sink = malloc(1000); }

struct AbiSite {  // the layout of leakscope_tracker_site (src/tracker/tracker_abi.h)
    uint64_t stack_id;
    int64_t live_bytes;
    int64_t live_allocations;
    uint32_t frame_count;
    uint32_t reserved;
    uint64_t frames[8];
};
struct AbiStats {  // the layout of leakscope_tracker_stats (tracker_abi.h)
    uint32_t struct_size, sampling;
    uint64_t live_heap_bytes, live_allocations, mapped_bytes, total_allocations, total_frees, events;
};

static void scenario_abi() {
    auto query = reinterpret_cast<int (*)(AbiStats*)>(dlsym(RTLD_DEFAULT, "leakscope_tracker_query"));
    auto add_events = reinterpret_cast<void (*)(uint64_t)>(dlsym(RTLD_DEFAULT, "leakscope_tracker_add_events"));
    auto sites = reinterpret_cast<long (*)(AbiSite*, unsigned long, uint32_t)>(dlsym(RTLD_DEFAULT, "leakscope_tracker_sites"));
    check(query && add_events && sites, "the tracker exports its C ABI");
    if (!query || !add_events || !sites) return;
    AbiStats before{};
    before.struct_size = sizeof(before);
    check(query(&before) == 0, "query");
    abi_leak();
    add_events(7);
    static AbiSite out[8];
    AbiStats middle{};
    middle.struct_size = sizeof(middle);
    query(&middle);
    long n = sites(out, 8, sizeof(AbiSite));
    AbiStats after{};
    after.struct_size = sizeof(after);
    query(&after);
    check(middle.live_heap_bytes - before.live_heap_bytes == 50000, "query sees the 50 x 1000 bytes exactly");
    check(middle.live_allocations - before.live_allocations == 50, "and their count");
    check(after.events - before.events == 7, "events counted");
    check(after.live_heap_bytes == middle.live_heap_bytes && after.total_allocations == middle.total_allocations,
          "reading the sites allocates nothing");
    // Among the biggest sites (libstdc++'s emergency pool may be bigger) is the leak, with its frames.
    const AbiSite* leak = nullptr;
    for (long i = 0; i < n; ++i)
        if (out[i].live_bytes == 50000 && out[i].live_allocations == 50) leak = &out[i];
    check(leak != nullptr, "the leak is among the biggest sites");
    check(leak && leak->frame_count >= 2 && leak->frames[0] != 0, "with its frames");
    for (long i = 1; i < n; ++i) check(out[i - 1].live_bytes >= out[i].live_bytes, "biggest first");
    check(sites(out, 4, 8) == -1, "a too-small site size is refused");
}

// ---- crashes: whatever the last snapshot held must be readable ----
static void crash_with_segv(int) { *static_cast<volatile int*>(nullptr) = 1; }
static void crash_with_abort(int) { abort(); }
PATTERN void leak_before_crash() { for (int i = 0; i < 8; ++i) g_sink = malloc(4096); }

int main(int argc, char** argv) {
    std::string scenario = argc > 1 ? argv[1] : "";
    if (scenario == "hooks") {
        scenario_hooks();
    } else if (scenario == "threads") {
        scenario_threads();
    } else if (scenario == "many-threads") {
        scenario_many_threads();
    } else if (scenario == "raw-clone") {
        scenario_raw_clone();
    } else if (scenario == "raw-clone-many" && argc > 2) {
        scenario_raw_clone_many(atoi(argv[2]));
    } else if (scenario == "fork") {
        scenario_fork(argv[0], false);
    } else if (scenario == "leak-steadily" && argc > 2) {
        scenario_leak_steadily(atof(argv[2]));
    } else if (scenario == "fork-worker") {
        scenario_fork_worker();
    } else if (scenario == "fork-exec") {
        scenario_fork(argv[0], true);
    } else if (scenario == "signal-stack") {
        scenario_signal_stack();
    } else if (scenario == "fork-deferred") {
        scenario_fork_deferred();
    } else if (scenario == "fork-fork-exec") {
        scenario_fork_fork_exec(argv[0]);
    } else if (scenario == "exec-child") {
        exec_child_allocates();
    } else if (scenario == "exec-replacing-preload") {
        scenario_exec_replacing_preload(argv[0], true);
    } else if (scenario == "exec-replacing-preload-and-variables") {
        scenario_exec_replacing_preload(argv[0], false);
    } else if (scenario == "exec-child-says-preload") {
        const char* preload = getenv("LD_PRELOAD");
        printf("LD_PRELOAD=%s\n", preload ? preload : "");
        exec_child_allocates();
    } else if (scenario == "dlopen" && argc > 2) {
        scenario_dlopen(argv[2]);
    } else if (scenario == "sampling") {
        sampled_small_many();
        sampled_large_few();
        sampled_freed();
        sampled_freed_forms();
        if (argc > 2 && std::string(argv[2]) == "boundary") sampled_blocks_on_boundary();
    } else if (scenario == "calloc-perturbed") {
        sampled_calloc_perturbed();
    } else if (scenario == "sampling-threads") {
        scenario_sampling_threads();
    } else if (scenario == "abi") {
        scenario_abi();
    } else if (scenario == "close-fds") {
        scenario_close_fds();
    } else if (scenario == "close-fds-mid-flush") {
        scenario_close_fds_mid_flush(argc > 2 ? argv[2] : "dup2");
    } else if (scenario == "descriptor-table") {
        scenario_descriptor_table();
    } else if (scenario == "edge") {
        scenario_edge_cases();
    } else if (scenario == "segv" || scenario == "abort" || scenario == "hang") {
        // The test signals (SIGUSR2, or SIGKILL for "hang") once the leak has reached it in a snapshot;
        // the crash then happens in the handler.
        signal(SIGUSR2, scenario == "segv" ? crash_with_segv : crash_with_abort);
        leak_before_crash();
        printf("ready\n");
        fflush(stdout);
        for (;;) pause();
    } else {
        fprintf(stderr, "usage: %s hooks|threads|fork|fork-exec|dlopen PLUGIN|sampling|sampling-threads|edge|segv|abort|hang\n", argv[0]);
        return 2;
    }
    printf("%s done, %d failures\n", scenario.c_str(), g_failures);
    return g_failures == 0 ? 0 : 1;
}
