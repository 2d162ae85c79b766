#include "collector/stream_decoder.hpp"

#include <cstring>

#include "protocol.hpp"

namespace leakscope::collector {

namespace wire = leakscope::tracker::wire;

namespace {

std::string hex(const std::uint8_t* data, std::size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

/// Bounds-checked reader over one packet body.
class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : pos_(data), end_(data + size) {}
    template <typename T>
    bool read(T& out) {
        if (static_cast<std::size_t>(end_ - pos_) < sizeof(T)) return false;
        std::memcpy(&out, pos_, sizeof(T));
        pos_ += sizeof(T);
        return true;
    }
    bool read_bytes(std::size_t n, const std::uint8_t*& out) {
        if (static_cast<std::size_t>(end_ - pos_) < n) return false;
        out = pos_;
        pos_ += n;
        return true;
    }
    bool read_varint(std::uint64_t& out) { return wire::get_varint(pos_, end_, out); }
    bool at_end() const { return pos_ == end_; }

private:
    const std::uint8_t* pos_;
    const std::uint8_t* end_;
};

}  // namespace

const char* allocator_kind_name(AllocatorStats::Kind kind) {
    switch (kind) {
        case AllocatorStats::Kind::glibc: return "glibc";
        case AllocatorStats::Kind::jemalloc: return "jemalloc";
        case AllocatorStats::Kind::unknown: break;
    }
    return "unknown";
}

StreamDecoder::~StreamDecoder() {
    if (stream_id_ != 0) ids_.tables.ended(stream_id_);
    if (unresolved_sites_ > 0)
        ids_.notes.push_back("process " + std::to_string(process_) + " (pid " + std::to_string(pid_) + "), a forked child: " +
                             std::to_string(unresolved_sites_) + " updates of its sites on stacks inherited from its " +
                             "parent are left out (the parent's stream was not received, or ended long before)");
}

std::uint64_t StreamDecoder::forked_from(const std::uint8_t* data, std::size_t size) {
    wire::PacketHeader header{};
    wire::HelloBody hello{};
    if (size < sizeof(header) + sizeof(hello)) return 0;
    std::memcpy(&header, data, sizeof(header));
    std::memcpy(&hello, data + sizeof(header), sizeof(hello));
    return header.type == wire::PacketType::kHello && hello.version == wire::kProtocolVersion ? hello.forked_from : 0;
}

void StreamDecoder::start_table(const wire::HelloBody& hello, TrackerSink& sink) {
    if (hello.forked_from == 0) {
        table_ = std::make_shared<StreamTable>();
    } else {
        table_ = std::make_shared<StreamTable>(ids_.tables.find(hello.forked_from), hello.inherited_stacks,
                                               hello.inherited_python_frames);
        // The child's stacks may name the parent's Python frames: they are this process's too.
        for (const auto& [address, frame] : table_->inherited_python_frames()) sink.on_python_frame(process_, address, *frame);
    }
    if (ids_.tables.open(hello.stream_id, table_)) stream_id_ = hello.stream_id;
}

const StackId* StreamDecoder::site_stack(std::uint32_t local_id, TrackerSink& sink) {
    if (const StackId* known = table_->stack_id(local_id)) return known;
    if (!sink.keeps_stacks()) return nullptr;  // no frames were kept
    const std::vector<std::uint64_t>* frames = table_->inherited_frames(local_id);
    if (!frames) return nullptr;
    // The parent's stack, first used by the child: the same frames, delivered as the child's.
    Stack stack;
    stack.id = StackId{ids_.next_stack++};
    stack.process = process_;
    stack.frames = *frames;
    table_->add_inherited(local_id, stack.id);
    sink.on_stack(stack);
    return table_->stack_id(local_id);
}

bool StreamDecoder::decode(const std::uint8_t* data, std::size_t size, TrackerSink& sink) {
    wire::PacketHeader header{};
    if (size < sizeof(header)) return false;
    std::memcpy(&header, data, sizeof(header));
    Reader body(data + sizeof(header), size - sizeof(header));
    double t = (static_cast<double>(header.monotonic_ns) - static_cast<double>(origin_ns_)) * 1e-9;

    if (!greeted_ && header.type != wire::PacketType::kHello) return false;
    announced_exec_ = header.type == wire::PacketType::kExec;  // a later packet: that exec failed
    switch (header.type) {
    case wire::PacketType::kHello: {
        wire::HelloBody hello{};
        const std::uint8_t *exe = nullptr, *comm = nullptr;
        if (greeted_ || !body.read(hello)) return false;
        if (hello.version != wire::kProtocolVersion) {
            error_ = "tracker protocol version " + std::to_string(hello.version) + " is not " +
                     std::to_string(wire::kProtocolVersion) + " (a different leakscope's library was preloaded)";
            return false;
        }
        if (!body.read_bytes(hello.exe_length, exe) || !body.read_bytes(hello.comm_length, comm)) return false;
        greeted_ = true;
        process_ = ids_.next_process++;
        pid_ = hello.pid;
        TrackedProcess p;
        p.process = process_;
        p.pid = hello.pid;
        p.ppid = hello.ppid;
        p.exe.assign(reinterpret_cast<const char*>(exe), hello.exe_length);
        p.comm.assign(reinterpret_cast<const char*>(comm), hello.comm_length);
        p.sample_bytes = hello.sample_bytes;
        if (auto it = ids_.latest_by_pid.find(p.pid); it != ids_.latest_by_pid.end() && !it->second.second)
            p.exec_of = it->second.first;
        ids_.latest_by_pid[p.pid] = {process_, false};
        sink.on_process(p);
        start_table(hello, sink);
        return true;
    }
    case wire::PacketType::kModulesLoaded:
        for (std::uint32_t i = 0; i < header.count; ++i) {
            wire::ModuleBody m{};
            const std::uint8_t *path = nullptr, *build_id = nullptr;
            if (!body.read(m) || !body.read_bytes(m.path_length, path) || !body.read_bytes(m.build_id_length, build_id)) return false;
            Module module;
            module.start = m.start;
            module.end = m.end;
            module.load_bias = m.load_bias;
            module.path.assign(reinterpret_cast<const char*>(path), m.path_length);
            module.build_id = hex(build_id, m.build_id_length);
            module.loaded_t_s = t;
            module.process = process_;
            if (modules_.count(m.local_id)) continue;  // a resend: already known
            modules_[m.local_id] = module;
            sink.on_module(module);
        }
        return body.at_end();
    case wire::PacketType::kModulesUnloaded:
        for (std::uint32_t i = 0; i < header.count; ++i) {
            std::uint32_t local_id = 0;
            if (!body.read(local_id)) return false;
            auto it = modules_.find(local_id);
            if (it == modules_.end() || it->second.unloaded_t_s) continue;
            it->second.unloaded_t_s = t;
            sink.on_module_unloaded(it->second);
        }
        return body.at_end();
    case wire::PacketType::kStacks:
        for (std::uint32_t i = 0; i < header.count; ++i) {
            wire::StackHeader s{};
            const std::uint8_t* frames = nullptr;
            if (!body.read(s) || s.frame_count > wire::kMaxFrames ||
                !body.read_bytes(s.frame_count * sizeof(std::uint64_t), frames))
                return false;
            if (table_->stack_id(s.id)) continue;  // a resend
            Stack stack;
            stack.id = StackId{ids_.next_stack++};
            stack.process = process_;
            stack.frames.resize(s.frame_count);
            if (s.frame_count > 0)  // an empty vector's data() may be null, and memcpy's arguments may not be
                std::memcpy(stack.frames.data(), frames, s.frame_count * sizeof(std::uint64_t));
            table_->add_stack(s.id, stack.id, sink.keeps_stacks() ? stack.frames : std::vector<std::uint64_t>{});
            sink.on_stack(stack);
        }
        return body.at_end();
    case wire::PacketType::kPythonFrames:
        for (std::uint32_t i = 0; i < header.count; ++i) {
            wire::PythonFrameHeader f{};
            const std::uint8_t* function = nullptr;
            const std::uint8_t* file = nullptr;
            if (!body.read(f) || !body.read_bytes(f.function_length, function) || !body.read_bytes(f.file_length, file))
                return false;
            ResolvedFrame frame;
            frame.function.assign(reinterpret_cast<const char*>(function), f.function_length);
            frame.file.assign(reinterpret_cast<const char*>(file), f.file_length);
            frame.line = static_cast<int>(f.line);
            frame.module = frame.file;  // a Python frame's "module" is its .py file
            if (frame.function.empty()) frame.function = "??";
            sink.on_python_frame(process_, f.address, frame);
            if (sink.keeps_stacks()) table_->add_python_frame(f.address, std::move(frame));
        }
        return body.at_end();
    case wire::PacketType::kSites:
        for (std::uint32_t i = 0; i < header.count; ++i) {
            std::uint64_t id = 0, live_bytes = 0, live_count = 0, allocations = 0, bytes = 0;
            if (!body.read_varint(id) || !body.read_varint(live_bytes) || !body.read_varint(live_count) ||
                !body.read_varint(allocations) || !body.read_varint(bytes))
                return false;
            const StackId* stack = site_stack(static_cast<std::uint32_t>(id), sink);
            if (!stack && table_->inherits(static_cast<std::uint32_t>(id))) {
                // The parent's stack, from a stream this collector does not have (or kept no frames of,
                // for a sink that ignores sites anyway).
                if (sink.keeps_stacks()) ++unresolved_sites_;
                continue;
            }
            if (!stack) return false;  // the tracker sends stacks before their sites
            SiteUpdate u;
            u.t_s = t;
            u.process = process_;
            u.stack = *stack;
            u.live_bytes = wire::unzigzag(live_bytes);
            u.live_count = wire::unzigzag(live_count);
            u.total_allocations = allocations;
            u.total_bytes = bytes;
            sink.on_site_update(u);
        }
        return body.at_end();
    case wire::PacketType::kTotals: {
        wire::TotalsBody b{};
        if (!body.read(b)) return false;
        TrackerTotals totals;
        totals.t_s = t;
        totals.live_heap_bytes = b.live_heap_bytes;
        totals.live_allocations = b.live_allocations;
        totals.mapped_bytes = b.mapped_bytes;
        totals.allocations = b.total_allocations;
        totals.frees = b.total_frees;
        totals.events = b.events;
        totals.tracker_bytes = b.tracker_bytes;
        sink.on_totals(process_, totals);
        return true;
    }
    case wire::PacketType::kAllocatorStats: {
        wire::AllocatorStatsBody b{};
        if (!body.read(b)) return false;
        AllocatorStats::Kind kind = AllocatorStats::Kind::unknown;
        if (b.kind == wire::AllocatorKind::kGlibc) kind = AllocatorStats::Kind::glibc;
        if (b.kind == wire::AllocatorKind::kJemalloc) kind = AllocatorStats::Kind::jemalloc;
        // wire::kUnknownFigure and kUnknownBytes are the same all-ones value.
        static_assert(wire::kUnknownFigure == kUnknownBytes);
        const AllocatorStats stats{t, kind, b.footprint_bytes, b.in_use_bytes, b.free_kept_bytes, b.releasable_bytes, b.read_ns};
        sink.on_allocator_stats(process_, stats);
        return true;
    }
    case wire::PacketType::kGoodbye:
        said_goodbye_ = true;
        if (auto it = ids_.latest_by_pid.find(pid_); it != ids_.latest_by_pid.end() && it->second.first == process_)
            it->second.second = true;
        return true;
    case wire::PacketType::kExec:
        return body.at_end();
    }
    return false;  // unknown packet type
}

}  // namespace leakscope::collector
