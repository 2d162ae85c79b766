#include "allocator_stats.hpp"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>

#include "allocator_module.hpp"
#include "os.hpp"
#include "read_spacing.hpp"
#include "real_functions.hpp"

namespace leakscope::tracker::allocator_stats {
namespace {

using MallctlFunction = int (*)(const char*, void*, std::size_t*, void*, std::size_t);
using Mallinfo2Function = struct mallinfo2 (*)();

struct Resolved {
    bool done = false;
    wire::AllocatorKind kind = wire::AllocatorKind::kUnknown;
    MallctlFunction mallctl = nullptr;
    Mallinfo2Function mallinfo2 = nullptr;
    std::size_t jemalloc_page_bytes = 0;  ///< "arenas.page": its dirty-page counts are in these
};

// Touched by the background thread only (and by the exit flush, which holds the transport's mutex).
constinit Resolved g_resolved LEAKSCOPE_STARTUP_DATA{};
constinit ReadSpacing g_spacing{};

void resolve() {
    g_resolved.done = true;
    // jemalloc (e.g. LD_PRELOAD of libjemalloc.so.2) exports mallctl beside its malloc.
    if (void* mallctl = dlsym(RTLD_DEFAULT, "mallctl"); mallctl && in_the_allocators_object(mallctl)) {
        g_resolved.mallctl = reinterpret_cast<MallctlFunction>(mallctl);
        // Built without statistics (--disable-stats), its "stats.*" do not exist: no figures to give.
        bool stats = false;
        std::size_t length = sizeof(stats);
        if (g_resolved.mallctl("config.stats", &stats, &length, nullptr, 0) == 0 && stats)
            g_resolved.kind = wire::AllocatorKind::kJemalloc;
        length = sizeof(g_resolved.jemalloc_page_bytes);
        if (g_resolved.mallctl("arenas.page", &g_resolved.jemalloc_page_bytes, &length, nullptr, 0) != 0) g_resolved.jemalloc_page_bytes = 0;
        return;
    }
    // glibc ≥ 2.33; an older glibc has only mallinfo, whose int fields wrap at 2 GiB: not used.
    if (void* mallinfo2 = dlsym(RTLD_DEFAULT, "mallinfo2"); mallinfo2 && in_the_allocators_object(mallinfo2)) {
        g_resolved.mallinfo2 = reinterpret_cast<Mallinfo2Function>(mallinfo2);
        g_resolved.kind = wire::AllocatorKind::kGlibc;
    }
    // Otherwise another allocator (tcmalloc, mimalloc, a static one) serves malloc: glibc's figures
    // would describe an arena nobody uses, so nothing is reported.
}

bool jemalloc_size(const char* name, std::uint64_t& out) {
    std::size_t value = 0, length = sizeof(value);
    if (g_resolved.mallctl(name, &value, &length, nullptr, 0) != 0 || length != sizeof(value)) return false;
    out = value;
    return true;
}

/// Bytes in the dirty pages of all arenas (stats.arenas.<all>.pdirty counts pages), 0 when unknown.
std::uint64_t jemalloc_dirty_bytes() {
    // 4096 is MALLCTL_ARENAS_ALL of jemalloc's public header: the arena index that merges every arena.
    std::uint64_t pages = 0;
    if (!jemalloc_size("stats.arenas.4096.pdirty", pages)) return 0;
    return pages * g_resolved.jemalloc_page_bytes;
}

wire::AllocatorStatsBody read_jemalloc() {
    wire::AllocatorStatsBody body{wire::AllocatorKind::kJemalloc, 0, wire::kUnknownFigure, wire::kUnknownFigure,
                                  wire::kUnknownFigure, wire::kUnknownFigure, 0};
    // The stats are a snapshot taken when "epoch" is written; without a refresh they never change.
    std::uint64_t epoch = 1;
    std::size_t length = sizeof(epoch);
    if (g_resolved.mallctl("epoch", &epoch, &length, &epoch, sizeof(epoch)) != 0) {
        body.kind = wire::AllocatorKind::kUnknown;  // built without stats: nothing to say
        return body;
    }
    std::uint64_t allocated = 0, resident = 0, retained = 0;
    const bool have_allocated = jemalloc_size("stats.allocated", allocated);
    const bool have_resident = jemalloc_size("stats.resident", resident);
    if (have_allocated) body.in_use_bytes = allocated;
    if (have_resident) body.footprint_bytes = resident;
    // The epoch merges each arena's counters while the program's threads allocate on: a refresh in the
    // middle of an allocation burst gave resident 15.2 MB under allocated 16.9 MB. What is allocated is
    // held, so the footprint is at least that, and footprint = in use + free kept stays true.
    if (have_allocated && have_resident) {
        // Freed pages waiting out jemalloc's decay (dirty_decay_ms, 10 s by default) are resident but on
        // their way back to the OS: a churning pool's grew 0.4 -> 1.5 MB in its first 14 s with nothing
        // kept for good, and counted as kept they read as fragmentation (examples/patterns/
        // jemalloc_pool_flat). What the allocator holds is the rest; RSS sees them until they go.
        const std::uint64_t decaying = jemalloc_dirty_bytes();
        const std::uint64_t held = resident > decaying ? resident - decaying : 0;
        body.footprint_bytes = std::max(held, allocated);
        body.free_kept_bytes = body.footprint_bytes - allocated;
    }
    if (jemalloc_size("stats.retained", retained)) body.releasable_bytes = retained;
    return body;
}

wire::AllocatorStatsBody read_glibc() {
    const struct mallinfo2 info = g_resolved.mallinfo2();
    return {wire::AllocatorKind::kGlibc, 0, info.arena + info.hblkhd, info.uordblks + info.hblkhd, info.fordblks,
            info.keepcost, 0};
}

}  // namespace

void flush_thread_cache() {
    if (!g_resolved.done) resolve();
    if (g_resolved.kind == wire::AllocatorKind::kJemalloc) g_resolved.mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
}

wire::AllocatorKind kind() {
    if (!g_resolved.done) resolve();
    return g_resolved.kind;
}

bool read_in_use(std::uint64_t& bytes) {
    std::uint64_t cpu_ns = 0;
    const wire::AllocatorStatsBody body = read(cpu_ns);
    if (body.kind == wire::AllocatorKind::kUnknown || body.in_use_bytes == wire::kUnknownFigure) return false;
    bytes = body.in_use_bytes;
    return true;
}

void set_min_spacing(std::uint64_t interval_ns) { g_spacing.min_spacing_ns = interval_ns; }

wire::AllocatorStatsBody read(std::uint64_t& cpu_ns) {
    if (!g_resolved.done) resolve();
    // Both clocks: the CPU time is what the walk costs; the wall time bounds how long an arena may have
    // been locked by us, including while this thread was descheduled holding the lock on a busy machine
    // (bench/allocator_stats/ measured seconds of wall time with 16 busy arenas on 2 cores, mostly
    // waiting for the locks).
    const std::uint64_t start = os::monotonic_ns(), cpu_start = os::thread_cpu_ns();
    wire::AllocatorStatsBody body{wire::AllocatorKind::kUnknown, 0, wire::kUnknownFigure, wire::kUnknownFigure,
                                  wire::kUnknownFigure, wire::kUnknownFigure, 0};
    if (g_resolved.kind == wire::AllocatorKind::kJemalloc) body = read_jemalloc();
    if (g_resolved.kind == wire::AllocatorKind::kGlibc) body = read_glibc();
    body.read_ns = os::monotonic_ns() - start;
    cpu_ns = os::thread_cpu_ns() - cpu_start;
    return body;
}

bool due(std::uint64_t now_ns) { return g_spacing.due(now_ns); }

void note_read(std::uint64_t now_ns, std::uint64_t wall_ns, std::uint64_t cpu_ns) {
    g_spacing.note_read(now_ns, wall_ns, cpu_ns);
}

}  // namespace leakscope::tracker::allocator_stats
