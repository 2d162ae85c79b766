#include "transport.hpp"

#include <elf.h>
#include <link.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "allocator_stats.hpp"
#include "got_patch.hpp"
#include "os.hpp"
#include "protocol.hpp"
#include "python_frames.hpp"
#include "thread_counters.hpp"
#include "tracker.hpp"

namespace leakscope::tracker::transport {
namespace {

struct ModuleState {
    std::uint32_t local_id = 0;
    std::uint64_t start = 0, end = 0, load_bias = 0;
    std::string path;
    std::string build_id;
    bool present = true;        ///< still loaded at the last scan
    bool sent_loaded = false;   ///< the collector knows it (on this connection)
    bool sent_unloaded = false;
};

struct SiteValues {
    std::int64_t live_bytes = 0;
    std::int64_t live_count = 0;
    std::uint64_t total_allocations = 0;
    std::uint64_t total_bytes = 0;
    bool operator==(const SiteValues&) const = default;
};

struct SiteCandidate {
    std::uint32_t id;
    double score;
    SiteValues values;
};

/// State of the sending side. Heap-allocated on first use by the background thread (under the guard,
/// so its own allocations are untracked): a global with std::vector members would need a static constructor.
struct Connection {
    int fd = -1;
    int owner_pid = 0;             ///< the process that connected; another pid here means a raw clone()/vfork child
    dev_t socket_device = 0;       ///< identity of our socket, to notice the program reusing the fd number
    ino_t socket_inode = 0;
    bool peer_gone = false;        ///< leakscope closed the socket or died: stop trying
    unsigned failed_connects = 0;
    std::uint32_t stacks_sent = 0; ///< ids below this were sent on this connection
    std::uint32_t python_frames_sent = 0;  ///< likewise for Python frames (python_frames.hpp)
    std::vector<SiteValues> last_sent;
    std::vector<ModuleState> modules;
    std::uint32_t next_module_id = 1;
    unsigned long long seen_adds = ~0ull, seen_subs = ~0ull;
    std::vector<std::uint8_t> packet;
    std::vector<StackCounters> counters;
    std::vector<std::uint32_t> waited;  ///< intervals each site's change has waited for budget
    std::vector<SiteCandidate> candidates;
    std::size_t site_tokens = 0;        ///< token bucket for site updates, in bytes
    std::uint64_t tokens_refilled_ns = 0;
    std::uint64_t snapshot_ns = 0;
    std::uint64_t patience_deadline_ns = 0;  ///< patient sends give up at this CLOCK_MONOTONIC time
    /// Attached a second time: the counters at that moment, subtracted from everything sent since.
    std::vector<StackCounters> baseline;
    TotalsCounters baseline_totals;
};

pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;  // serializes flushes (thread, exit, fork)
Connection* g_connection = nullptr;
std::atomic<bool> g_start_allowed{false};
std::atomic<bool> g_stop{false};
std::atomic<int> g_thread_pid{0};  // the process whose thread runs: a vfork child shares our memory, not our stream
std::atomic<int> g_thread_tid{0};  // the transport thread itself: it cannot wait for its own flush
/// A fatal signal's last flush, done by the transport thread: 0 none, 1 asked (the word the thread sleeps
/// on between rounds, so the request wakes it), 2 done.
std::atomic<int> g_crash_flush{0};
constexpr int kStreamDescriptorFloor = 512;  // the stream socket lives at or above this descriptor
constexpr unsigned kMaxFailedConnects = 50;
constexpr std::uint64_t kPatienceNs = 1000000000;  // longest a final flush may wait for a slow leakscope
constexpr std::size_t kSiteBurstBytes = 64 * 1024;  // a start-up burst; the sustained rate is the config's

// ---- packets ----

void begin_packet(Connection& c, wire::PacketType type) {
    c.packet.resize(sizeof(wire::PacketHeader));
    wire::PacketHeader header{type, 0, c.snapshot_ns};
    std::memcpy(c.packet.data(), &header, sizeof(header));
}

void set_count(Connection& c, std::uint32_t count) {
    std::memcpy(c.packet.data() + offsetof(wire::PacketHeader, count), &count, sizeof(count));
}

void append(Connection& c, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    c.packet.insert(c.packet.end(), bytes, bytes + size);
}

/// True while c.fd is still our socket. A program may close every descriptor (daemons do) and reuse
/// the number for a file of its own: then we must neither write to it nor close it.
bool still_ours(const Connection& c) {
    struct stat info{};
    return c.fd >= 0 && fstat(c.fd, &info) == 0 && info.st_dev == c.socket_device && info.st_ino == c.socket_inode;
}

void close_connection(Connection& c) {
    if (still_ours(c)) close(c.fd);
    c.fd = -1;
}

/// Sends the packet whole or not at all. `patient` (the hello, the exit flush) waits for buffer space,
/// but only until the connection's patience deadline: a stuck leakscope delays the exit by at most that.
bool send_packet(Connection& c, bool patient) {
    for (;;) {
        ssize_t n = send(c.fd, c.packet.data(), c.packet.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == static_cast<ssize_t>(c.packet.size())) return true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            std::uint64_t now = os::monotonic_ns();
            if (!patient || now >= c.patience_deadline_ns) return false;  // a slow reader: next round
            pollfd pfd{c.fd, POLLOUT, 0};
            poll(&pfd, 1, static_cast<int>(std::min<std::uint64_t>(50, (c.patience_deadline_ns - now) / 1000000 + 1)));
            continue;
        }
        close_connection(c);  // EPIPE, ECONNRESET...: leakscope is gone; the program carries on
        c.peer_gone = true;
        return false;
    }
}

// ---- module map ----

std::string read_build_id(const dl_phdr_info* info) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const auto& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const auto* pos = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
        const auto* end = pos + ph.p_memsz;
        while (pos + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note;
            std::memcpy(&note, pos, sizeof(note));
            const auto* name = pos + sizeof(note);
            const auto* desc = name + ((note.n_namesz + 3) & ~3u);
            const auto* next = desc + ((note.n_descsz + 3) & ~3u);
            if (next > end) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
                return std::string(reinterpret_cast<const char*>(desc), note.n_descsz);
            pos = next;
        }
    }
    return {};
}

struct ScanContext {
    std::vector<ModuleState>* found;
    unsigned long long adds = 0, subs = 0;
};

int collect_module(dl_phdr_info* info, std::size_t size, void* data) {
    auto* ctx = static_cast<ScanContext*>(data);
    if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
        ctx->adds = info->dlpi_adds;
        ctx->subs = info->dlpi_subs;
    }
    ModuleState m;
    std::uint64_t low = ~0ull, high = 0;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const auto& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        low = std::min<std::uint64_t>(low, info->dlpi_addr + ph.p_vaddr);
        high = std::max<std::uint64_t>(high, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
    }
    if (high == 0) return 0;
    m.start = low;
    m.end = high;
    m.load_bias = info->dlpi_addr;
    if (info->dlpi_name && info->dlpi_name[0]) {
        m.path = info->dlpi_name;
    } else {
        char exe[4096];
        if (os::read_link("/proc/self/exe", exe, sizeof(exe)) > 0) m.path = exe;
    }
    m.build_id = read_build_id(info);
    ctx->found->push_back(std::move(m));
    return 0;
}

void scan_modules(Connection& c) {
    std::vector<ModuleState> found;
    ScanContext ctx{&found};
    dl_iterate_phdr(collect_module, &ctx);
    if (ctx.adds == c.seen_adds && ctx.subs == c.seen_subs) return;  // nothing loaded or unloaded since
    c.seen_adds = ctx.adds;
    c.seen_subs = ctx.subs;
    for (auto& known : c.modules) {
        if (!known.present) continue;
        bool still = false;
        for (const auto& f : found) still |= f.load_bias == known.load_bias && f.start == known.start && f.path == known.path;
        known.present = still;
    }
    for (auto& f : found) {
        bool known = false;
        for (const auto& k : c.modules) known |= k.present && f.load_bias == k.load_bias && f.start == k.start && f.path == k.path;
        if (known) continue;
        f.local_id = c.next_module_id++;
        c.modules.push_back(std::move(f));
    }
}

bool send_modules(Connection& c, bool patient) {
    // Loads first (all pending, in packets), then unloads of modules the collector knows.
    std::vector<ModuleState*> in_packet;
    auto flush = [&]() {
        if (in_packet.empty()) return true;
        set_count(c, static_cast<std::uint32_t>(in_packet.size()));
        if (!send_packet(c, patient)) return false;
        for (auto* m : in_packet) m->sent_loaded = true;
        in_packet.clear();
        return true;
    };
    begin_packet(c, wire::PacketType::kModulesLoaded);
    for (auto& m : c.modules) {
        if (m.sent_loaded) continue;
        std::size_t need = sizeof(wire::ModuleBody) + m.path.size() + m.build_id.size();
        if (c.packet.size() + need > wire::kMaxPacket) {
            if (!flush()) return false;
            begin_packet(c, wire::PacketType::kModulesLoaded);
        }
        wire::ModuleBody body{m.local_id, static_cast<std::uint16_t>(std::min<std::size_t>(m.path.size(), 4096)),
                              static_cast<std::uint16_t>(std::min<std::size_t>(m.build_id.size(), 64)), m.start, m.end, m.load_bias};
        append(c, &body, sizeof(body));
        append(c, m.path.data(), body.path_length);
        append(c, m.build_id.data(), body.build_id_length);
        in_packet.push_back(&m);
    }
    if (!flush()) return false;

    begin_packet(c, wire::PacketType::kModulesUnloaded);
    for (auto& m : c.modules) {
        if (m.present || m.sent_unloaded || !m.sent_loaded) continue;
        append(c, &m.local_id, sizeof(m.local_id));
        in_packet.push_back(&m);
    }
    if (in_packet.empty()) return true;
    set_count(c, static_cast<std::uint32_t>(in_packet.size()));
    if (!send_packet(c, patient)) return false;
    for (auto* m : in_packet) m->sent_unloaded = true;
    return true;
}

// ---- stacks and sites ----

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

/// The allocator's own figures, at most once a second (allocator_stats::due): the read takes the
/// allocator's locks, which is why it happens here and never in a hook.
bool send_allocator_stats(Connection& c, bool patient) {
    const std::uint64_t now = os::monotonic_ns();
    if (!patient && !allocator_stats::due(now)) return true;
    std::uint64_t cpu_ns = 0;
    const wire::AllocatorStatsBody body = allocator_stats::read(cpu_ns);
    allocator_stats::note_read(os::monotonic_ns(), body.read_ns, cpu_ns);
    begin_packet(c, wire::PacketType::kAllocatorStats);
    set_count(c, 1);
    append(c, &body, sizeof(body));
    return send_packet(c, patient);
}

/// The stream's socket moves up to kStreamDescriptorFloor, which grows the process's descriptor table;
/// the kernel waits for an RCU grace period when it grows the table of a process whose table is shared,
/// as it is once there is a second thread (ours). Measured here: 10 ms per tracked process, every exec'd
/// program included. Grown from the library constructor instead, where the process has normally one
/// thread, it costs microseconds; the table never shrinks, so the later move needs no growth.
void grow_descriptor_table() {
    int source = open("/", O_PATH | O_CLOEXEC);
    if (source < 0) return;
    int high = fcntl(source, F_DUPFD_CLOEXEC, kStreamDescriptorFloor);
    if (high >= 0) close(high);
    close(source);
}

bool connect_and_greet(Connection& c) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, g_tracker.config.socket_path, sizeof(address.sun_path));
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        close(fd);
        return false;
    }
    int buffer = 1 << 20;  // room for a few snapshots if leakscope is briefly slow
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof(buffer));
    // Keep clear of the low descriptor numbers programs use and expect (dup2 onto 3, "close 3..N").
    int high = fcntl(fd, F_DUPFD_CLOEXEC, kStreamDescriptorFloor);
    if (high >= 0) {
        close(fd);
        fd = high;
    }
    struct stat info{};
    if (fstat(fd, &info) != 0) {
        close(fd);
        return false;
    }
    c.fd = fd;
    c.owner_pid = os::current_pid();
    c.socket_device = info.st_dev;
    c.socket_inode = info.st_ino;

    char exe[4096] = {}, comm[64] = {};
    long exe_length = os::read_link("/proc/self/exe", exe, sizeof(exe));
    long comm_length = os::read_small_file("/proc/self/comm", comm, sizeof(comm));
    if (exe_length < 0) exe_length = 0;
    if (comm_length < 0) comm_length = 0;
    while (comm_length > 0 && comm[comm_length - 1] == '\n') --comm_length;
    wire::HelloBody hello{wire::kProtocolVersion, os::current_pid(), os::parent_pid(), g_tracker.config.interval_ms,
                          g_tracker.config.sample_bytes, static_cast<std::uint16_t>(exe_length),
                          static_cast<std::uint16_t>(comm_length), 0};
    begin_packet(c, wire::PacketType::kHello);
    set_count(c, 1);
    append(c, &hello, sizeof(hello));
    append(c, exe, static_cast<std::size_t>(exe_length));
    append(c, comm, static_cast<std::size_t>(comm_length));
    // The hello must arrive first; wait for buffer space if need be (a fresh socket always has it).
    c.patience_deadline_ns = os::monotonic_ns() + kPatienceNs;
    if (!send_packet(c, true)) {
        close_connection(c);
        return false;
    }
    // A new stream starts from nothing: everything is (re)sent, with a fresh burst budget.
    c.stacks_sent = 0;
    c.python_frames_sent = 0;
    c.tokens_refilled_ns = 0;
    c.last_sent.clear();
    for (auto& m : c.modules) m.sent_loaded = m.sent_unloaded = false;
    return true;
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

/// One round. Caller holds g_mutex and the re-entrancy guard. `patient` (exit, exec) sends everything,
/// waiting up to the patience deadline for a slow leakscope; `goodbye` then says the process is exiting.
void flush_locked(bool patient, bool goodbye) {
    if (!g_connection) g_connection = new Connection();
    Connection& c = *g_connection;
    if (c.peer_gone) return;
    // A child made without fork() (raw clone, or a vfork child that calls exit) never ran our fork
    // handler: it must not write into its parent's stream, nor touch state a vfork child shares.
    if (c.fd >= 0 && c.owner_pid != os::current_pid()) return;
    if (c.fd >= 0 && !still_ours(c)) {
        // The program closed our socket (and may have reused its number): leave the number alone and
        // stop; leakscope sees the stream end and keeps what it received.
        c.fd = -1;
        c.peer_gone = true;
        return;
    }
    if (c.fd < 0) {
        if (c.failed_connects >= kMaxFailedConnects) return;
        if (!connect_and_greet(c)) {
            ++c.failed_connects;
            return;
        }
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
    scan_modules(c);
    // Order matters: a site refers to a stack, whose frames refer to modules.
    if (!send_modules(c, patient) || !send_python_frames(c, patient) || !send_stacks(c, patient)) return;
    // One consistent read of every thread's counters serves both the sites and the totals.
    std::vector<StackCounters>& counters = c.counters;
    counters.resize(c.stacks_sent);
    TotalsCounters totals;
    read_counters(counters.data(), c.stacks_sent, totals);
    subtract_baseline(c, counters, totals);
    if (!send_sites(c, patient, counters) || !send_totals(c, patient, totals_from(totals)) ||
        !send_allocator_stats(c, patient))
        return;
    if (goodbye) {
        begin_packet(c, wire::PacketType::kGoodbye);
        send_packet(c, true);
    }
}

// ---- attached to a running program (`leakscope attach --track`) ----

/// Waits up to `ns` on the stream; true when leakscope ended it (shut its side, or died): time to detach.
bool wait_for_detach_request(std::uint64_t ns) {
    int fd = g_connection ? g_connection->fd : -1;
    if (fd < 0) {
        os::sleep_ns(ns);
        return g_connection && g_connection->peer_gone;
    }
    pollfd entry{fd, POLLIN | POLLRDHUP, 0};
    if (poll(&entry, 1, static_cast<int>(ns / 1000000) + 1) <= 0) return false;
    if (entry.revents & (POLLRDHUP | POLLHUP | POLLERR)) return true;
    char byte;
    return recv(fd, &byte, 1, MSG_DONTWAIT) == 0;  // leakscope sends nothing else: end of stream
}

/// Puts the program's GOT slots back, sends the state tracked until now and a goodbye, and turns the
/// hooks into plain forwarders. The library stays loaded (calls may still be inside a hook).
void detach_from_program() {
    got::restore_slots();
    os::sleep_ns(10 * 1000000ull);  // calls that entered a hook before the restore finish (microseconds)
    pthread_mutex_lock(&g_mutex);
    if (!g_stop.exchange(true, std::memory_order_acq_rel)) flush_locked(true, true);
    if (g_connection && g_connection->fd >= 0) close_connection(*g_connection);
    pthread_mutex_unlock(&g_mutex);
    deactivate();
}

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
        // Attached, a stream that could not be opened ends the attachment too: no hook stays without a reader.
        bool gone = g_connection && (g_connection->peer_gone || (attached && g_connection->fd < 0));
        pthread_mutex_unlock(&g_mutex);
        if ((detach = gone)) break;
    }
    if (attached && detach) detach_from_program();
    return nullptr;
}

}  // namespace

std::atomic<bool> g_thread_started{false};

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

namespace {

/// True in the process whose transport runs. Checked before anything is touched: a vfork child
/// (calling _exit or exec) shares our memory, and stopping "its" transport would stop the parent's.
bool transport_is_ours() {
    return g_thread_started.load(std::memory_order_acquire) && g_thread_pid.load(std::memory_order_acquire) == os::current_pid();
}

}  // namespace

void final_flush() {
    if (!transport_is_ours()) return;  // never tracked an allocation (or a vfork child): stay silent
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

void prepare_next_attachment() {
    ReentrancyGuard guard;
    pthread_mutex_lock(&g_mutex);
    if (!g_connection) g_connection = new Connection();
    Connection& c = *g_connection;
    c.peer_gone = false;
    c.failed_connects = 0;
    c.baseline.resize(g_tracker.stacks.published_count());
    read_counters(c.baseline.data(), static_cast<std::uint32_t>(c.baseline.size()), c.baseline_totals);
    g_stop.store(false, std::memory_order_release);
    g_crash_flush.store(0, std::memory_order_release);
    g_thread_started.store(false, std::memory_order_release);  // the earlier attachment's thread has exited
    pthread_mutex_unlock(&g_mutex);
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

void flush_before_exec() {
    if (!transport_is_ours() || g_stop.load(std::memory_order_acquire)) return;
    ReentrancyGuard guard;
    int saved_errno = errno;
    pthread_mutex_lock(&g_mutex);
    flush_locked(true, false);  // no goodbye: the stream ends with the exec, and resumes if it fails
    if (g_connection && g_connection->fd >= 0 && !g_connection->peer_gone) {
        begin_packet(*g_connection, wire::PacketType::kExec);
        send_packet(*g_connection, true);
    }
    pthread_mutex_unlock(&g_mutex);
    errno = saved_errno;
}

void lock_for_fork() { pthread_mutex_lock(&g_mutex); }
void unlock_after_fork_in_parent() { pthread_mutex_unlock(&g_mutex); }

void reset_in_child() {
    // The mutex was held by the forking thread, which is this one in the child: release it.
    pthread_mutex_unlock(&g_mutex);
    if (g_connection) {
        close_connection(*g_connection);
        g_connection->peer_gone = false;
        g_connection->failed_connects = 0;
    }
    g_stop.store(false, std::memory_order_relaxed);
    g_thread_started.store(false, std::memory_order_relaxed);  // the parent's thread does not exist here
    g_thread_pid.store(0, std::memory_order_relaxed);
    g_thread_tid.store(0, std::memory_order_relaxed);
    g_crash_flush.store(0, std::memory_order_relaxed);
}

}  // namespace leakscope::tracker::transport
