// The transport thread: wakes every interval and runs a snapshot round; serves the fatal-signal flush;
// and the exit flush, which the exiting thread runs itself.
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>

#include <cerrno>

#include "got_patch.hpp"
#include "libunwind_loader.hpp"
#include "os.hpp"
#include "tracker.hpp"
#include "transport.hpp"
#include "transport/state.hpp"

namespace leakscope::tracker::transport {

std::atomic<bool> g_start_allowed LEAKSCOPE_STARTUP_DATA{false};

namespace {

/// The fatal-signal flush, on the transport thread. The crashed thread may hold our mutex (it crashed
/// inside a flush): try for most of the second the handler waits, then give up.
void serve_crash_flush() {
    bool locked = false;
    for (int tries = 0; tries < 900 && !(locked = pthread_mutex_trylock(&g_mutex) == 0); ++tries) os::sleep_ns(1000000);
    if (locked) {
        if (!g_stop.exchange(true, std::memory_order_acq_rel)) flush_locked(true, true);
        pthread_mutex_unlock(&g_mutex);
    }
    g_crash_flush.store(2, std::memory_order_release);
    os::futex_wake(&g_crash_flush);
}

void* transport_thread(void*) {
    g_thread_state.inside_tracker = true;  // for the thread's whole life: its allocations are not the program's
    g_thread_tid.store(os::current_tid(), std::memory_order_release);
    prctl(PR_SET_NAME, "leakscope-trk", 0, 0, 0);
    // libunwind, for the stacks the plain rules do not cover: from here, holding no lock (libunwind_loader.hpp).
    load_libunwind();
    const bool attached = g_tracker.config.attached;
    const std::uint64_t interval_ns = static_cast<std::uint64_t>(g_tracker.config.interval_ms) * 1000000ull;
    // Attached, the first round runs at once: leakscope waits for the hello to know the injection worked.
    std::uint64_t next = os::monotonic_ns() + (attached ? 0 : interval_ns);
    bool detach = false;
    while (!g_stop.load(std::memory_order_acquire)) {
        if (g_crash_flush.load(std::memory_order_acquire) == 1) {
            serve_crash_flush();
            break;
        }
        std::uint64_t now = os::monotonic_ns();
        if (now < next) {
            if (!attached) os::futex_wait(&g_crash_flush, 0, next - now);
            else if ((detach = wait_for_detach_request(next - now))) break;
            continue;
        }
        next += interval_ns;
        if (next < now) next = now + interval_ns;  // fell behind (suspended): do not burst
        if (attached && got::modules_added_since_install()) got::install_hooks();  // a dlopen since the last round
        pthread_mutex_lock(&g_mutex);
        if (!g_stop.load(std::memory_order_acquire)) flush_locked(false, false);  // after the exit flush: stay quiet
        // Attached, a stream that ended or could not be opened ends the attachment: no hook stays without a
        // reader. Preloaded, only a program that took our socket ends the thread (leakscope may come back).
        const Connection* c = g_connection;
        bool gone = c && (c->given_up || (attached && (c->peer_gone || c->fd < 0)));
        pthread_mutex_unlock(&g_mutex);
        if ((detach = gone)) break;
    }
    if (attached && detach) detach_from_program();
    return nullptr;
}

}  // namespace

void allow_start(bool grow_table) {
    if (grow_table) grow_descriptor_table();
    g_start_allowed.store(true, std::memory_order_release);
}

void start_thread_once() {
    if (g_thread_started.load(std::memory_order_relaxed) || !g_start_allowed.load(std::memory_order_acquire)) return;
    if (g_thread_started.exchange(true, std::memory_order_acq_rel)) return;
    g_thread_pid.store(os::current_pid(), std::memory_order_release);
    ReentrancyGuard guard;
    int saved_errno = errno;
    // The thread starts with every signal blocked: the program's signals must go to the program's threads.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 256 * 1024);
    pthread_t thread;
    if (pthread_create(&thread, &attributes, transport_thread, nullptr) != 0)
        g_thread_started.store(false, std::memory_order_release);
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    errno = saved_errno;
}

void start_thread_unless_deferred(bool recorded) {
    if (g_start_deferred.load(std::memory_order_relaxed)) {
        // Until one of these, the child's allocations take the general path (the fast paths open with the
        // thread), which bounds what the deferral costs a child that allocates a lot.
        constexpr std::uint32_t kDeferredCalls = 4096;
        const std::uint32_t calls = g_deferred_calls.fetch_add(1, std::memory_order_relaxed) + 1;
        if (!recorded && calls < kDeferredCalls && os::monotonic_ns() < g_deferred_until_ns.load(std::memory_order_relaxed))
            return;
        g_start_deferred.store(false, std::memory_order_relaxed);
    }
    start_thread_once();
}

/// A forked child that allocated since the fork without starting its thread (deferred, reset_in_child).
bool deferred_start_is_ours() {
    return g_start_deferred.load(std::memory_order_acquire) && g_deferred_calls.load(std::memory_order_relaxed) != 0 &&
           g_thread_pid.load(std::memory_order_acquire) == os::current_pid();
}

bool transport_is_ours() {
    return g_thread_started.load(std::memory_order_acquire) && g_thread_pid.load(std::memory_order_acquire) == os::current_pid();
}


void final_flush() {
    // Never tracked an allocation (or a vfork child): stay silent. A forked child whose thread never
    // started sends its end from here, connecting as the thread would have.
    if (!transport_is_ours() && !deferred_start_is_ours()) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    // Once: a process can pass two exit paths (exit() from an atexit handler, _exit in a destructor).
    if (g_stop.exchange(true, std::memory_order_acq_rel)) {
        errno = saved_errno;
        return;
    }
    pthread_mutex_lock(&g_mutex);
    flush_locked(true, true);
    pthread_mutex_unlock(&g_mutex);
    errno = saved_errno;
}

void flush_for_fatal_signal(std::uint64_t timeout_ns) {
    if (!transport_is_ours() || g_stop.load(std::memory_order_acquire)) return;
    if (g_thread_tid.load(std::memory_order_acquire) == os::current_tid()) return;  // the crash is ours
    int idle = 0;
    if (!g_crash_flush.compare_exchange_strong(idle, 1, std::memory_order_acq_rel)) return;  // another thread asked
    os::futex_wake(&g_crash_flush);
    const std::uint64_t deadline = os::monotonic_ns() + timeout_ns;
    for (std::uint64_t now = os::monotonic_ns(); g_crash_flush.load(std::memory_order_acquire) != 2 && now < deadline;
         now = os::monotonic_ns())
        os::futex_wait(&g_crash_flush, 1, deadline - now);
}

}  // namespace leakscope::tracker::transport
