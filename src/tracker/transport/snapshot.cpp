// One snapshot round: what changed since the last round goes out in dependency order (modules, Python
// frames, stacks, then the sites that refer to them, the totals and the allocator's figures).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "allocator_stats.hpp"
#include "os.hpp"
#include "protocol.hpp"
#include "python_frames.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"
#include "transport/state.hpp"

namespace leakscope::tracker::transport {

Connection* g_connection = nullptr;

namespace {

constexpr unsigned kQuickConnects = 50;  // attempts one per round; then every kSlowConnectRounds rounds
constexpr std::uint64_t kSlowConnectRounds = 100;
constexpr std::uint64_t kSlowConnectMaxNs = 60'000'000'000;  // ...but at least once a minute
constexpr std::size_t kSiteBurstBytes = 64 * 1024;  // a start-up burst; the sustained rate is the config's

bool send_stacks(Connection& c, bool patient) {
    std::uint32_t published = g_tracker.stacks.published_count();
    while (c.stacks_sent < published) {
        begin_packet(c, wire::PacketType::kStacks);
        std::uint32_t count = 0, id = c.stacks_sent;
        for (; id < published; ++id) {
            const StackRecord* rec = g_tracker.stacks.ready_record(id);
            if (!rec) break;  // still being filled in by its thread: next round
            std::size_t need = sizeof(wire::StackHeader) + rec->frame_count * sizeof(std::uint64_t);
            if (c.packet.size() + need > wire::kMaxPacket) break;
            wire::StackHeader header{id, rec->frame_count};
            append(c, &header, sizeof(header));
            append(c, rec->frames, rec->frame_count * sizeof(std::uint64_t));
            ++count;
        }
        if (count == 0) return true;
        set_count(c, count);
        if (!send_packet(c, patient)) return false;
        c.stacks_sent = id;
    }
    return true;
}

/// Python frames interned since the last round: the names of the pseudo addresses in the stacks.
bool send_python_frames(Connection& c, bool patient) {
    const std::uint32_t published = python::published_count();
    while (c.python_frames_sent < published) {
        begin_packet(c, wire::PacketType::kPythonFrames);
        std::uint32_t count = 0, id = c.python_frames_sent;
        for (; id < published; ++id) {
            const python::FrameInfo f = python::frame(id);
            const std::size_t need = sizeof(wire::PythonFrameHeader) + f.function_length + f.file_length;
            if (c.packet.size() + need > wire::kMaxPacket) break;
            const wire::PythonFrameHeader header{f.address, f.line, f.function_length, f.file_length};
            append(c, &header, sizeof(header));
            append(c, f.function, f.function_length);
            append(c, f.file, f.file_length);
            ++count;
        }
        if (count == 0) return true;
        set_count(c, count);
        if (!send_packet(c, patient)) return false;
        c.python_frames_sent = id;
    }
    return true;
}

/// Sends the sites that changed since they were last sent, within the byte budget (token bucket): the
/// biggest changes in live bytes first, weighted by how long a site has waited, so every site is sent
/// eventually and a leak's growth is never starved. `patient` (the exit flush) sends everything.
bool send_sites(Connection& c, bool patient, const std::vector<StackCounters>& counters) {
    if (c.last_sent.size() < c.stacks_sent) {
        c.last_sent.resize(c.stacks_sent);
        c.waited.resize(c.stacks_sent, 0);
    }
    std::vector<SiteCandidate>& changed = c.candidates;
    changed.clear();
    for (std::uint32_t id = 0; id < c.stacks_sent && id < counters.size(); ++id) {
        const StackCounters& k = counters[id];
        SiteValues now{static_cast<std::int64_t>(k.allocated_bytes - k.freed_bytes),
                       static_cast<std::int64_t>(k.allocated_count - k.freed_count), k.allocated_count, k.allocated_bytes};
        if (now == c.last_sent[id]) continue;
        auto delta = now.live_bytes - c.last_sent[id].live_bytes;
        double magnitude = static_cast<double>(delta < 0 ? -delta : delta) + 1.0;
        changed.push_back({id, magnitude * (1.0 + c.waited[id]), now});
    }
    if (changed.empty()) return true;

    std::size_t budget = SIZE_MAX;
    if (!patient) {
        budget = c.site_tokens;
        // Only sort when the budget does not cover everything.
        if (changed.size() * wire::kMaxSiteRecord > budget)
            std::sort(changed.begin(), changed.end(), [](const SiteCandidate& a, const SiteCandidate& b) { return a.score > b.score; });
    }

    std::vector<std::size_t> in_packet;  // indices into `changed`
    std::size_t spent = 0;
    auto flush = [&]() {
        if (in_packet.empty()) return true;
        set_count(c, static_cast<std::uint32_t>(in_packet.size()));
        if (!send_packet(c, patient)) return false;
        for (std::size_t i : in_packet) {
            c.last_sent[changed[i].id] = changed[i].values;
            c.waited[changed[i].id] = 0;
        }
        spent += c.packet.size();
        in_packet.clear();
        return true;
    };
    begin_packet(c, wire::PacketType::kSites);
    std::size_t used = 0;
    bool ok = true;
    for (std::size_t i = 0; i < changed.size(); ++i) {
        std::uint8_t record[wire::kMaxSiteRecord];
        const SiteValues& now = changed[i].values;
        std::size_t n = wire::put_varint(record, changed[i].id);
        n += wire::put_varint(record + n, wire::zigzag(now.live_bytes));
        n += wire::put_varint(record + n, wire::zigzag(now.live_count));
        n += wire::put_varint(record + n, now.total_allocations);
        n += wire::put_varint(record + n, now.total_bytes);
        if (used + n > budget) {
            for (std::size_t j = i; j < changed.size(); ++j) ++c.waited[changed[j].id];
            break;
        }
        if (c.packet.size() + n > wire::kMaxPacket) {
            if (!(ok = flush())) break;
            begin_packet(c, wire::PacketType::kSites);
        }
        append(c, record, n);
        in_packet.push_back(i);
        used += n;
    }
    if (ok) ok = flush();
    c.site_tokens -= std::min(c.site_tokens, spent);
    return ok;
}

bool send_totals(Connection& c, bool patient, const Totals& t) {
    wire::TotalsBody body{t.live_heap_bytes, t.live_allocations, t.mapped_bytes, t.allocations, t.frees, t.events, t.tracker_bytes};
    begin_packet(c, wire::PacketType::kTotals);
    set_count(c, 1);
    append(c, &body, sizeof(body));
    return send_packet(c, patient);
}

template <typename T>
std::uint64_t capacity_bytes(const std::vector<T>& v) {
    return v.capacity() * sizeof(T);
}

/// What the tracker holds of the heap: the transport's own buffers (their capacities; chunk headers and
/// the module map's few strings aside), which grow with the stacks sent (~120 bytes a stack) and would
/// otherwise read as a slow growth of the heap, and the sampled blocks kept for the next samples (up to
/// 64 KiB a thread that samples). The allocator counts them, the program holds none of them.
std::uint64_t own_heap_bytes(const Connection& c) {
    return capacity_bytes(c.last_sent) + capacity_bytes(c.packet) + capacity_bytes(c.counters) + capacity_bytes(c.waited) +
           capacity_bytes(c.candidates) + capacity_bytes(c.baseline) + kept_sampled_block_bytes();
}

/// The allocator's in-use bytes less the transport's own buffers.
std::uint64_t programs_heap(const Connection& c, std::uint64_t in_use) {
    const std::uint64_t own = own_heap_bytes(c);
    return in_use > own ? in_use - own : 0;
}

/// The allocator's own figures when a read is due (allocator_stats::due: at most once a second, or once a
/// round when the live heap total is the allocator's figure), always at exit and exec, never in a fatal
/// signal's flush (the crashed thread may hold an allocator lock): the read takes the allocator's locks,
/// which is why it happens here and never in a hook. False when nothing was read.
bool read_allocator_stats(Connection& c, bool patient, wire::AllocatorStatsBody& body) {
    if (g_crash_flush.load(std::memory_order_acquire) == 1) return false;
    const std::uint64_t now = os::monotonic_ns();
    if (!patient && !c.allocator_read_owed && !allocator_stats::due(now)) return false;
    std::uint64_t cpu_ns = 0;
    body = allocator_stats::read(cpu_ns);
    allocator_stats::note_read(os::monotonic_ns(), body.read_ns, cpu_ns);
    c.allocator_read_owed = false;
    if (body.in_use_bytes != wire::kUnknownFigure) c.allocator_in_use = programs_heap(c, body.in_use_bytes);
    return true;
}

bool send_allocator_stats(Connection& c, bool patient, const wire::AllocatorStatsBody& body) {
    begin_packet(c, wire::PacketType::kAllocatorStats);
    set_count(c, 1);
    append(c, &body, sizeof(body));
    return send_packet(c, patient);
}

void subtract_baseline(const Connection& c, std::vector<StackCounters>& counters, TotalsCounters& totals) {
    for (std::size_t id = 0; id < c.baseline.size() && id < counters.size(); ++id) {
        counters[id].allocated_count -= c.baseline[id].allocated_count;
        counters[id].allocated_bytes -= c.baseline[id].allocated_bytes;
        counters[id].freed_count -= c.baseline[id].freed_count;
        counters[id].freed_bytes -= c.baseline[id].freed_bytes;
    }
    totals.live_heap_bytes -= c.baseline_totals.live_heap_bytes;
    totals.live_allocations -= c.baseline_totals.live_allocations;
    totals.allocations -= c.baseline_totals.allocations;
    totals.frees -= c.baseline_totals.frees;
    totals.events -= c.baseline_totals.events;
}

std::uint64_t slow_connect_ns() {
    return std::min<std::uint64_t>(kSlowConnectMaxNs, kSlowConnectRounds * g_tracker.config.interval_ms * 1000000ull);
}

/// One attempt per round at first, then rarely but for ever: a process started before its leakscope,
/// or outliving one, is tracked as soon as one listens there. An attempt on a missing socket costs
/// microseconds.
void note_failed_connect(Connection& c, std::uint64_t now) {
    if (++c.failed_connects >= kQuickConnects) c.next_connect_ns = now + slow_connect_ns();
}

}  // namespace

void note_heap_baseline(Connection& c) {
    allocator_stats::flush_thread_cache();  // what this thread's cache holds is no heap of the program's
    std::uint64_t in_use = 0;
    if (allocator_stats::read_in_use(in_use)) c.allocator_in_use = programs_heap(c, in_use);
    c.baseline_totals.live_heap_bytes = static_cast<std::int64_t>(c.allocator_in_use);
    c.allocator_read_owed = true;
}

void flush_locked(bool patient, bool goodbye) {
    if (!g_connection) g_connection = new Connection();
    Connection& c = *g_connection;
    if (c.given_up) return;
    if (c.peer_gone) {
        if (g_tracker.config.attached) return;  // the transport thread detaches
        // Preloaded, the program runs on without a leakscope; one may come back at the same address (a
        // restart of `watch`, whose services name its socket through a stable link): connect again. A
        // stream cut short counts as a failed attempt, so a flapping peer is not retried every round.
        c.peer_gone = false;
        c.ended_by_listener = true;  // the same leakscope, still there, is not asked again
        const std::uint64_t now = os::monotonic_ns();
        if (now - c.connected_ns >= slow_connect_ns()) c.failed_connects = 0;
        else note_failed_connect(c, now);
    }
    // A child made without fork() (raw clone, or a vfork child that calls exit) never ran our fork
    // handler: it must not write into its parent's stream, nor touch state a vfork child shares.
    if (c.fd >= 0 && c.owner_pid != os::current_pid()) return;
    if (c.fd >= 0 && !still_ours(c)) {
        // The program closed our socket (and may have reused its number): leave the number alone and
        // stop; leakscope sees the stream end and keeps what it received. The descriptor hooks catch the
        // closes that go through libc first (program_closes_descriptors); this, a raw system call.
        set_descriptor(c, -1);
        c.given_up = true;
        return;
    }
    if (c.fd < 0) {
        const std::uint64_t now = os::monotonic_ns();
        if (!patient && now < c.next_connect_ns) return;
        if (!connect_and_greet(c)) {
            note_failed_connect(c, now);
            return;
        }
        c.connected_ns = now;
    }
    c.snapshot_ns = os::monotonic_ns();
    c.patience_deadline_ns = c.snapshot_ns + kPatienceNs;
    if (c.tokens_refilled_ns == 0) {
        c.site_tokens = kSiteBurstBytes;
    } else {
        double earned = static_cast<double>(c.snapshot_ns - c.tokens_refilled_ns) * 1e-9 *
                        static_cast<double>(g_tracker.config.site_bytes_per_s);
        c.site_tokens = std::min<std::size_t>(kSiteBurstBytes, c.site_tokens + static_cast<std::size_t>(earned));
    }
    c.tokens_refilled_ns = c.snapshot_ns;
    scan_modules(c.module_map);
    // Order matters: a site refers to a stack, whose frames refer to modules.
    if (!send_modules(c, patient) || !send_python_frames(c, patient) || !send_stacks(c, patient)) return;
    // One consistent read of every thread's counters serves both the sites and the totals.
    std::vector<StackCounters>& counters = c.counters;
    counters.resize(c.stacks_sent);
    TotalsCounters totals;
    read_counters(counters.data(), c.stacks_sent, totals);
    wire::AllocatorStatsBody allocator{};
    const bool allocator_read = read_allocator_stats(c, patient, allocator);
    // The allocator's figure at its last read (this round's unless the read was rate-limited), in place of
    // the per-call counts, which are not kept in this mode.
    if (g_tracker.heap_from_allocator) totals.live_heap_bytes = static_cast<std::int64_t>(c.allocator_in_use);
    subtract_baseline(c, counters, totals);
    if (!send_sites(c, patient, counters) || !send_totals(c, patient, totals_from(totals)) ||
        (allocator_read && !send_allocator_stats(c, patient, allocator)))
        return;
    if (goodbye) {
        begin_packet(c, wire::PacketType::kGoodbye);
        send_packet(c, true);
    }
}

}  // namespace leakscope::tracker::transport
