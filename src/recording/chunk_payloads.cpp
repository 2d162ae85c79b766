#include "recording/chunk_payloads.hpp"

#include <bit>

#include "recording/format.hpp"

namespace leakscope::recording {
namespace {

// --- samples: a presence mask, then each field that differs from its prediction as a zigzag delta.
// Most gauges barely move between two samples 100 ms apart, so a raw sample costs ~20 bytes.
// Format 1 knew the first 17 fields (chunk kind `samples`); format 2 writes kind `samples_v2`, whose
// prefix says how many fields its items carry, so a later version can append fields that this one
// reads past (every delta is a self-delimiting svarint).
constexpr int kFormat1Fields = 17;
constexpr int kIntegerFields = 39;
constexpr int kMaxFields = 63;  // the mask is one varint of at most 64 bits, bit 0 for span_s

std::uint64_t field(const SamplePoint& p, int i) {
    switch (i) {
        case 0: return p.merged;
        case 1: return p.processes;
        case 2: return p.threads;
        case 3: return p.rss;
        case 4: return p.rss_min;
        case 5: return p.rss_max;
        case 6: return p.pss;
        case 7: return p.anon;
        case 8: return p.file;
        case 9: return p.swap;
        case 10: return p.live_heap;
        case 11: return p.live_heap_min;
        case 12: return p.live_heap_max;
        case 13: return p.mapped;
        case 14: return p.allocations;
        case 15: return p.frees;
        case 16: return p.events;
        case 17: return p.allocator_footprint;
        case 18: return p.allocator_in_use;
        case 19: return p.allocator_free;
        case 20: return p.smaps_brk_heap;
        case 21: return p.smaps_stacks;
        case 22: return p.smaps_anon_other;
        case 23: return p.smaps_file;
        case 24: return p.smaps_other;
        case 25: return p.tracker_bytes;
        case 26: return p.runtime_heap_used;
        case 27: return p.runtime_heap_committed;
        case 28: return p.runtime_heap_max;
        case 29: return p.runtime_old_gen_used;
        case 30: return p.runtime_metaspace_used;
        case 31: return p.runtime_young_gcs;
        case 32: return p.runtime_full_gcs;
        case 33: return p.runtime_concurrent_gcs;
        case 34: return p.vm_data;
        case 35: return p.runtime_eden_used;
        case 36: return p.runtime_unread_jvms;
        case 37: return p.smaps_stacks_mapped;
        default: return p.allocator_reads;
    }
}

void set_field(SamplePoint& p, int i, std::uint64_t v) {
    if (i <= 2 && v > UINT32_MAX) throw PayloadError("sample count field does not fit 32 bits");
    switch (i) {
        case 0: p.merged = static_cast<std::uint32_t>(v); break;
        case 1: p.processes = static_cast<std::uint32_t>(v); break;
        case 2: p.threads = static_cast<std::uint32_t>(v); break;
        case 3: p.rss = v; break;
        case 4: p.rss_min = v; break;
        case 5: p.rss_max = v; break;
        case 6: p.pss = v; break;
        case 7: p.anon = v; break;
        case 8: p.file = v; break;
        case 9: p.swap = v; break;
        case 10: p.live_heap = v; break;
        case 11: p.live_heap_min = v; break;
        case 12: p.live_heap_max = v; break;
        case 13: p.mapped = v; break;
        case 14: p.allocations = v; break;
        case 15: p.frees = v; break;
        case 16: p.events = v; break;
        case 17: p.allocator_footprint = v; break;
        case 18: p.allocator_in_use = v; break;
        case 19: p.allocator_free = v; break;
        case 20: p.smaps_brk_heap = v; break;
        case 21: p.smaps_stacks = v; break;
        case 22: p.smaps_anon_other = v; break;
        case 23: p.smaps_file = v; break;
        case 24: p.smaps_other = v; break;
        case 25: p.tracker_bytes = v; break;
        case 26: p.runtime_heap_used = v; break;
        case 27: p.runtime_heap_committed = v; break;
        case 28: p.runtime_heap_max = v; break;
        case 29: p.runtime_old_gen_used = v; break;
        case 30: p.runtime_metaspace_used = v; break;
        case 31: p.runtime_young_gcs = v; break;
        case 32: p.runtime_full_gcs = v; break;
        case 33: p.runtime_concurrent_gcs = v; break;
        case 34: p.vm_data = v; break;
        case 35: p.runtime_eden_used = v; break;
        case 36: p.runtime_unread_jvms = v; break;
        case 37: p.smaps_stacks_mapped = v; break;
        default: p.allocator_reads = v; break;
    }
}

/// The value a field most likely has: extremes predict the point's own mean, the rest the previous point.
std::uint64_t predicted(const SamplePoint& previous, const SamplePoint& current, int i) {
    switch (i) {
        case 4:
        case 5: return current.rss;
        case 11:
        case 12: return current.live_heap;
        default: return field(previous, i);
    }
}

void encode_optional_u64(const std::optional<std::uint64_t>& v, PayloadWriter& w) {
    w.boolean(v.has_value());
    if (v) w.varint(*v);
}
std::optional<std::uint64_t> decode_optional_u64(PayloadReader& r) {
    if (!r.boolean()) return std::nullopt;
    return r.varint();
}
void encode_optional_int(const std::optional<std::int64_t>& v, PayloadWriter& w) {
    w.boolean(v.has_value());
    if (v) w.svarint(*v);
}
std::optional<std::int64_t> decode_optional_int(PayloadReader& r) {
    if (!r.boolean()) return std::nullopt;
    return r.svarint();
}
int to_int(std::int64_t v) {
    if (v < INT32_MIN || v > INT32_MAX) throw PayloadError("value does not fit an int");
    return static_cast<int>(v);
}

void write_int128(__int128 v, PayloadWriter& w) {
    w.svarint(static_cast<std::int64_t>(v >> 64));
    w.varint(static_cast<std::uint64_t>(v));
}
__int128 read_int128(PayloadReader& r) {
    const std::int64_t high = r.svarint();
    const std::uint64_t low = r.varint();
    return static_cast<__int128>(static_cast<unsigned __int128>(static_cast<__int128>(high)) << 64 | low);
}

}  // namespace

// --- single-record chunks ---------------------------------------------------------------------------
void encode_run_info(const RunInfo& info, std::vector<std::uint8_t>& out) {
    PayloadWriter w(out);
    w.varint(info.command.size());
    for (const auto& arg : info.command) w.string(arg);
    encode_optional_int(info.pid, w);
    w.boolean(info.attached);
    w.f64(info.start_unix_s);
    w.f64(info.interval_s);
    w.string(info.tracker_mode);
    w.varint(info.sample_bytes);
    encode_optional_u64(info.cgroup_limit_bytes, w);
    encode_optional_u64(info.machine_memory_bytes, w);
    encode_optional_u64(info.user_limit_bytes, w);
    w.string(info.events_regex);
    w.string(info.hostname);
    w.string(info.leakscope_version);
    w.string(info.allocator);  // format 2
    w.string(info.runtime);    // format 2.10: absent before
}

RunInfo decode_run_info(std::span<const std::uint8_t> payload) {
    PayloadReader r(payload);
    RunInfo info;
    info.command.resize(r.count(1));
    for (auto& arg : info.command) arg = r.string();
    info.pid = decode_optional_int(r);
    info.attached = r.boolean();
    info.start_unix_s = r.f64();
    info.interval_s = r.f64();
    info.tracker_mode = r.string();
    info.sample_bytes = r.varint();
    info.cgroup_limit_bytes = decode_optional_u64(r);
    info.machine_memory_bytes = decode_optional_u64(r);
    info.user_limit_bytes = decode_optional_u64(r);
    info.events_regex = r.string();
    info.hostname = r.string();
    info.leakscope_version = r.string();
    if (!r.at_end()) info.allocator = r.string();  // absent in format 1
    if (!r.at_end()) info.runtime = r.string();    // absent before format 2.10
    return info;
}

void encode_run_end(const RunEnd& end, std::vector<std::uint8_t>& out) {
    PayloadWriter w(out);
    encode_optional_int(end.exit_code, w);
    encode_optional_int(end.term_signal, w);
    w.f64(end.duration_s);
    w.string(end.reason);
    w.varint(end.events);  // added in 1.0 before release; readers of older files see none
}

RunEnd decode_run_end(std::span<const std::uint8_t> payload) {
    PayloadReader r(payload);
    RunEnd end;
    if (auto v = decode_optional_int(r)) end.exit_code = to_int(*v);
    if (auto v = decode_optional_int(r)) end.term_signal = to_int(*v);
    end.duration_s = r.f64();
    end.reason = r.string();
    if (!r.at_end()) end.events = r.varint();
    return end;
}

void encode_limits(const RecordingLimits& limits, std::vector<std::uint8_t>& out) {
    PayloadWriter w(out);
    w.varint(limits.recent_samples);
    w.varint(limits.older_buckets);
    w.varint(limits.site_grid_cells);
    w.varint(limits.site_max_columns);
    w.varint(limits.site_min_columns);
    w.varint(limits.max_file_bytes);
}

RecordingLimits decode_limits(std::span<const std::uint8_t> payload) {
    PayloadReader r(payload);
    RecordingLimits limits;
    limits.recent_samples = r.varint32();
    limits.older_buckets = r.varint32();
    limits.site_grid_cells = r.varint32();
    limits.site_max_columns = r.varint32();
    limits.site_min_columns = r.varint32();
    limits.max_file_bytes = r.varint();
    if (const char* why = check_limits(limits)) throw PayloadError(std::string("limits: ") + why);
    return limits;
}

void encode_site_grid(const SiteSeries& series, const SiteGridState& state, std::vector<std::uint8_t>& out) {
    PayloadWriter w(out);
    w.varint(state.width);
    w.boolean(state.open);
    w.f64(state.open_t_sum);
    w.varint(series.t_s.size());
    for (std::size_t c = 0; c < series.t_s.size(); ++c) {
        w.f64(series.t_s[c]);
        w.varint(state.weights[c]);
    }
    w.varint(series.sites.size());
    for (std::size_t i = 0; i < series.sites.size(); ++i) {
        const auto& site = series.sites[i];
        w.varint(site.stack.value);
        w.varint(site.total_allocations);
        w.varint(site.total_bytes);
        w.svarint(state.current_bytes[i]);
        w.svarint(state.current_count[i]);
        write_int128(state.open_sum_bytes[i], w);
        write_int128(state.open_sum_count[i], w);
        w.varint(state.open_counted[i]);
        // Column values as deltas along time: a site that rarely changes costs a byte per column.
        std::int64_t previous = 0;
        for (const std::int64_t v : site.live_bytes) {
            w.svarint(static_cast<std::int64_t>(static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(previous)));
            previous = v;
        }
        previous = 0;
        for (const std::int64_t v : site.live_count) {
            w.svarint(static_cast<std::int64_t>(static_cast<std::uint64_t>(v) - static_cast<std::uint64_t>(previous)));
            previous = v;
        }
    }
}

std::pair<SiteSeries, SiteGridState> decode_site_grid(std::span<const std::uint8_t> payload) {
    PayloadReader r(payload);
    SiteSeries series;
    SiteGridState state;
    state.width = r.varint32();
    state.open = r.boolean();
    state.open_t_sum = r.f64();
    const std::size_t columns = r.count(9);
    series.t_s.resize(columns);
    state.weights.resize(columns);
    for (std::size_t c = 0; c < columns; ++c) {
        series.t_s[c] = r.f64();
        state.weights[c] = r.varint32();
    }
    // Each site takes at least 10 bytes of fixed fields plus 2 per column.
    const std::size_t sites = r.count(10 + 2 * columns);
    // A forged but well-compressed grid could still claim ~10^8 cells; no writer makes more than a
    // few million (RecordingLimits::site_grid_cells, or site_min_columns per site beyond it).
    if (columns > 0 && sites > kMaxSiteGridCells / columns) throw PayloadError("site grid larger than any writer makes");
    series.sites.resize(sites);
    for (auto* v : {&state.current_bytes, &state.current_count}) v->resize(sites);
    state.open_sum_bytes.resize(sites);
    state.open_sum_count.resize(sites);
    state.open_counted.resize(sites);
    for (std::size_t i = 0; i < sites; ++i) {
        auto& site = series.sites[i];
        site.stack = StackId{r.varint32()};
        site.total_allocations = r.varint();
        site.total_bytes = r.varint();
        state.current_bytes[i] = r.svarint();
        state.current_count[i] = r.svarint();
        state.open_sum_bytes[i] = read_int128(r);
        state.open_sum_count[i] = read_int128(r);
        state.open_counted[i] = r.varint32();
        for (auto* values : {&site.live_bytes, &site.live_count}) {
            values->resize(columns);
            std::uint64_t previous = 0;
            for (auto& v : *values) {
                previous += static_cast<std::uint64_t>(r.svarint());
                v = static_cast<std::int64_t>(previous);
            }
        }
    }
    return {std::move(series), std::move(state)};
}

// --- list items -------------------------------------------------------------------------------------
void encode_samples_prefix(SampleTier tier, std::uint32_t width, PayloadWriter& w) {
    w.u8(static_cast<std::uint8_t>(tier));
    w.varint(width);
    w.varint(kIntegerFields);
}

void encode_sample(const SamplePoint& previous, const SamplePoint& point, PayloadWriter& w) {
    w.f64(point.t_s);
    std::uint64_t mask = 0;
    const bool span_changed = std::bit_cast<std::uint64_t>(point.span_s) != std::bit_cast<std::uint64_t>(previous.span_s);
    if (span_changed) mask |= 1;
    for (int i = 0; i < kIntegerFields; ++i) {
        if (field(point, i) != predicted(previous, point, i)) mask |= std::uint64_t{1} << (i + 1);
    }
    w.varint(mask);
    if (span_changed) w.f64(point.span_s);
    for (int i = 0; i < kIntegerFields; ++i) {
        if (mask & (std::uint64_t{1} << (i + 1))) w.svarint(static_cast<std::int64_t>(field(point, i) - predicted(previous, point, i)));
    }
}

void encode_process(std::uint32_t index, const std::string& label, PayloadWriter& w) {
    w.varint(index);
    w.string(label);
}

void encode_module(const Module& m, PayloadWriter& w) {
    w.varint(m.process);
    w.varint(m.start);
    w.varint(m.end);
    w.varint(m.load_bias);
    w.string(m.path);
    w.string(m.build_id);
    w.f64(m.loaded_t_s);
    w.boolean(m.unloaded_t_s.has_value());
    if (m.unloaded_t_s) w.f64(*m.unloaded_t_s);
}

void encode_module_unload(const ModuleUnload& u, PayloadWriter& w) {
    w.varint(u.process);
    w.varint(u.start);
    w.f64(u.t_s);
}

void encode_stack(const Stack& stack, PayloadWriter& w) {
    w.varint(stack.id.value);
    w.varint(stack.process);
    w.varint(stack.frames.size());
    for (const auto frame : stack.frames) w.varint(frame);
}

void encode_site_snapshot(double t_s, std::span<const SiteUpdate> updates, PayloadWriter& w) {
    w.f64(t_s);
    w.varint(updates.size());
    for (const auto& u : updates) encode_site_values(u, w);
}

void encode_symbol(const SymbolKey& key, const std::vector<ResolvedFrame>& frames, PayloadWriter& w) {
    w.varint(key.first);
    w.varint(key.second);
    w.varint(frames.size());
    for (const auto& f : frames) {
        w.string(f.function);
        w.string(f.file);
        w.svarint(f.line);
        w.string(f.module);
        w.varint(f.module_offset);
        w.boolean(f.inlined);
    }
}

void encode_warning(const std::string& warning, PayloadWriter& w) { w.string(warning); }

// --- list chunks ------------------------------------------------------------------------------------
void decode_samples(std::span<const std::uint8_t> payload, SampleLayout layout, const SampleSink& sink) {
    PayloadReader r(payload);
    const std::uint8_t tier_byte = r.u8();
    if (tier_byte > 1) throw PayloadError("unknown sample tier");
    const auto tier = static_cast<SampleTier>(tier_byte);
    const std::uint32_t width = r.varint32();
    int fields = kFormat1Fields;
    if (layout == SampleLayout::counted_fields) {
        const std::uint64_t stated = r.varint();
        if (stated < kFormat1Fields || stated > kMaxFields) throw PayloadError("sample field count outside 17..63");
        fields = static_cast<int>(stated);
    }
    const std::size_t count = r.count(9);
    SamplePoint previous;
    for (std::size_t n = 0; n < count; ++n) {
        SamplePoint p;
        p.t_s = r.f64();
        const std::uint64_t mask = r.varint();
        p.span_s = (mask & 1) ? r.f64() : previous.span_s;
        for (int i = 0; i < fields; ++i) {
            const bool present = mask & (std::uint64_t{1} << (i + 1));
            if (i >= kIntegerFields) {  // a field of a newer version: read past it
                if (present) r.svarint();
                continue;
            }
            // Predictions of the extremes use this point's fields decoded just before them.
            const std::uint64_t base = predicted(previous, p, i);
            set_field(p, i, present ? base + static_cast<std::uint64_t>(r.svarint()) : base);
        }
        previous = p;
        sink(tier, width, p);
    }
}

std::vector<std::pair<std::uint32_t, std::string>> decode_processes(std::span<const std::uint8_t> payload) {
    return decode_list<std::pair<std::uint32_t, std::string>>(payload, 2, [](PayloadReader& r, auto& process) {
        process.first = r.varint32();
        process.second = r.string();
    });
}

std::vector<Module> decode_modules(std::span<const std::uint8_t> payload) {
    return decode_list<Module>(payload, 15, [](PayloadReader& r, Module& m) {
        m.process = r.varint32();
        m.start = r.varint();
        m.end = r.varint();
        m.load_bias = r.varint();
        m.path = r.string();
        m.build_id = r.string();
        m.loaded_t_s = r.f64();
        if (r.boolean()) m.unloaded_t_s = r.f64();
    });
}

std::vector<ModuleUnload> decode_module_unloads(std::span<const std::uint8_t> payload) {
    return decode_list<ModuleUnload>(payload, 10, [](PayloadReader& r, ModuleUnload& u) {
        u.process = r.varint32();
        u.start = r.varint();
        u.t_s = r.f64();
    });
}

std::vector<Stack> decode_stacks(std::span<const std::uint8_t> payload) {
    return decode_list<Stack>(payload, 3, [](PayloadReader& r, Stack& s) {
        s.id = StackId{r.varint32()};
        s.process = r.varint32();
        s.frames.resize(r.count(1));
        for (auto& f : s.frames) f = r.varint();
    });
}

std::vector<SiteSnapshot> decode_site_snapshots(std::span<const std::uint8_t> payload) {
    return decode_list<SiteSnapshot>(payload, 9, [](PayloadReader& r, SiteSnapshot& snap) {
        snap.t_s = r.f64();
        snap.updates.resize(r.count(5));
        for (auto& u : snap.updates) decode_site_values(r, u);
    });
}

std::vector<std::pair<SymbolKey, std::vector<ResolvedFrame>>> decode_symbols(std::span<const std::uint8_t> payload) {
    return decode_list<std::pair<SymbolKey, std::vector<ResolvedFrame>>>(payload, 3, [](PayloadReader& r, auto& symbol) {
        auto& [key, frames] = symbol;
        key.first = r.varint32();
        key.second = r.varint();
        frames.resize(r.count(6));
        for (auto& f : frames) {
            f.function = r.string();
            f.file = r.string();
            f.line = to_int(r.svarint());
            f.module = r.string();
            f.module_offset = r.varint();
            f.inlined = r.boolean();
        }
    });
}

std::vector<std::string> decode_warnings(std::span<const std::uint8_t> payload) {
    return decode_list<std::string>(payload, 1, [](PayloadReader& r, std::string& s) { s = r.string(); });
}

}  // namespace leakscope::recording
