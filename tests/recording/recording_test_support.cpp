#include "recording_test_support.hpp"

#include <unistd.h>

#include <bit>
#include <random>

namespace leakscope::recording::testing {

ScratchDir::ScratchDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "leakscope-recording-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
}

ScratchDir::~ScratchDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

RunInfo full_run_info() {
    RunInfo info;
    info.command = {"./service", "--port", "8080", "", "ünïcode arg"};
    info.pid = 4242;
    info.attached = true;
    info.start_unix_s = 1763700000.125;
    info.interval_s = 0.05;
    info.tracker_mode = "sampled";
    info.sample_bytes = 524288;
    info.cgroup_limit_bytes = 8ull << 30;
    info.machine_memory_bytes = 23ull << 30;
    info.user_limit_bytes = 2ull << 30;
    info.events_regex = "request (\\d+) done";
    info.hostname = "soak-runner-3";
    info.leakscope_version = "0.1.0-test";
    info.allocator = "glibc+jemalloc";
    info.runtime = "go";  // format 2.10
    return info;
}

SamplePoint full_sample(int i) {
    SamplePoint p;
    p.t_s = 0.1 * i;
    p.span_s = 0;
    p.merged = 1;
    p.processes = 1 + static_cast<std::uint32_t>(i % 3);
    p.threads = 4 + static_cast<std::uint32_t>(i % 5);
    p.rss = 100'000'000 + 4096ull * static_cast<std::uint64_t>(i);
    p.rss_min = p.rss;
    p.rss_max = p.rss;
    p.pss = p.rss - 1000;
    p.anon = 60'000'000 + 1000ull * static_cast<std::uint64_t>(i);
    p.file = 30'000'000;
    p.swap = i % 7 == 0 ? kUnknownBytes : 4096;
    p.live_heap = 50'000'000 + 999ull * static_cast<std::uint64_t>(i);
    p.live_heap_min = p.live_heap - 10;
    p.live_heap_max = p.live_heap + 10;
    p.mapped = 1 << 20;
    p.allocations = 1000ull * static_cast<std::uint64_t>(i);
    p.frees = 990ull * static_cast<std::uint64_t>(i);
    p.events = static_cast<std::uint64_t>(i / 10);
    p.allocator_footprint = 70'000'000 + 1000ull * static_cast<std::uint64_t>(i);
    p.allocator_in_use = 52'000'000 + 990ull * static_cast<std::uint64_t>(i);
    p.allocator_free = p.allocator_footprint - p.allocator_in_use;
    // Sparse, like the smaps readings: known every fourth sample.
    const bool smaps = i % 4 == 0;
    p.smaps_brk_heap = smaps ? 40'000'000 + 4096ull * static_cast<std::uint64_t>(i) : kUnknownBytes;
    p.smaps_stacks = smaps ? 8 << 20 : kUnknownBytes;
    p.smaps_anon_other = smaps ? 12'000'000 : kUnknownBytes;
    p.smaps_file = smaps ? 30'000'000 : kUnknownBytes;
    p.smaps_other = smaps ? 8192 : kUnknownBytes;
    p.smaps_stacks_mapped = smaps ? 5 * (8ull << 20) : kUnknownBytes;  // format 2.8
    p.allocator_reads = 3 * static_cast<std::uint64_t>(i) + 1;  // format 2.9
    p.tracker_bytes = 2'000'000 + 72ull * static_cast<std::uint64_t>(i);
    // The JVM's heap (format 2.4): a gauge that grows, counts that step.
    p.runtime_heap_used = 30'000'000 + 65'536ull * static_cast<std::uint64_t>(i);
    p.runtime_heap_committed = 64'000'000;
    p.runtime_heap_max = 512ull << 20;
    p.runtime_old_gen_used = 20'000'000 + 4096ull * static_cast<std::uint64_t>(i);
    p.runtime_metaspace_used = i < 3 ? kUnknownBytes : 9'000'000;
    p.runtime_young_gcs = static_cast<std::uint64_t>(i / 3);
    p.runtime_full_gcs = static_cast<std::uint64_t>(i / 7);
    p.runtime_concurrent_gcs = 0;
    p.vm_data = 90'000'000 + 8192ull * static_cast<std::uint64_t>(i);  // format 2.5
    p.runtime_eden_used = 6'000'000 + 32'768ull * static_cast<std::uint64_t>(i % 3);  // format 2.6: refills between collections
    p.runtime_unread_jvms = static_cast<std::uint64_t>(i >= 3);                         // format 2.7: a JVM unread from the 4th sample
    return p;
}

Recording write_full_recording(const std::string& path, int flushes, bool finish) {
    auto writer = RecordingWriter::create(path, full_run_info());
    const std::uint32_t p0 = writer.add_process("4242:service");
    const std::uint32_t p1 = writer.add_process("4243:worker");
    Module exe{0x400000, 0x500000, 0, "/usr/bin/service", "abcdef0123", 0.0, std::nullopt, p0};
    Module plugin{0x7f0000001000, 0x7f0000009000, 0x7f0000000000, "/opt/plugin.so", "", 0.5, std::nullopt, p1};
    writer.add_module(exe);
    writer.add_module(plugin);
    int sample = 0;
    for (int f = 0; f < flushes; ++f) {
        for (int i = 0; i < 10; ++i) writer.add_sample(full_sample(sample++));
        writer.add_stack(Stack{StackId{static_cast<std::uint32_t>(10 + f)}, p0, {0x401000u + f, 0x402000, 0x7f0000001234}});
        std::vector<SiteUpdate> updates{
            {StackId{10}, 1000 * (f + 1), 10 * (f + 1), 100ull * (f + 1), 10000ull * (f + 1)},
            {StackId{static_cast<std::uint32_t>(20 + f)}, -5 + f, 1, 3, 300},
        };
        writer.add_site_snapshot(1.0 * (f + 1), updates);
        if (f == 1) writer.module_unloaded(p1, plugin.start, 1.75);
        if (f == 1) writer.add_warning("tracker dropped 3 events");
        writer.flush();
    }
    // After the samples, as in a run: the sample where a loss is found has no heap, and known ones after
    // a loss would be a silent stream's stale ones (forget_stale_heap).
    if (flushes > 1) writer.add_tracking_loss({p1, 0.1 * sample, "its stream ended while it still ran"});
    RunInfo updated = full_run_info();
    updated.start_unix_s += 0.5;
    writer.update_info(updated);
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ResolvedFrame>> symbols;
    symbols[{p0, 0x401000}] = {ResolvedFrame{"Cache::insert(std::string const&)", "/src/cache.cpp", 42, "/usr/bin/service", 0x1000, false},
                               ResolvedFrame{"inline_helper", "/src/cache.hpp", 7, "/usr/bin/service", 0x1000, true}};
    symbols[{p0, 0x7f0000001234}] = {ResolvedFrame{"??", "", 0, "/opt/plugin.so", 0x1234, false}};
    writer.set_symbols(symbols);
    if (finish) {
        writer.finish(RunEnd{std::nullopt, 9, 12.5, "interrupted"});
    } else {
        writer.flush();
    }
    return writer.model();
}

void add_incompressible_warnings(RecordingWriter& writer, int count) {
    std::uint64_t x = 88172645463325252ull;
    for (int i = 0; i < count; ++i) {
        std::string filler;
        for (int j = 0; j < 8; ++j) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            filler += std::to_string(x % 100000000u);
        }
        writer.add_warning(filler);
    }
}

namespace {

bool same_double(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

void expect_same_sample(const SamplePoint& a, const SamplePoint& b, std::size_t i) {
    SCOPED_TRACE("sample " + std::to_string(i));
    EXPECT_TRUE(same_double(a.t_s, b.t_s)) << a.t_s << " vs " << b.t_s;
    EXPECT_TRUE(same_double(a.span_s, b.span_s)) << a.span_s << " vs " << b.span_s;
    EXPECT_EQ(a.merged, b.merged);
    EXPECT_EQ(a.processes, b.processes);
    EXPECT_EQ(a.threads, b.threads);
    EXPECT_EQ(a.rss, b.rss);
    EXPECT_EQ(a.rss_min, b.rss_min);
    EXPECT_EQ(a.rss_max, b.rss_max);
    EXPECT_EQ(a.pss, b.pss);
    EXPECT_EQ(a.anon, b.anon);
    EXPECT_EQ(a.file, b.file);
    EXPECT_EQ(a.swap, b.swap);
    EXPECT_EQ(a.live_heap, b.live_heap);
    EXPECT_EQ(a.live_heap_min, b.live_heap_min);
    EXPECT_EQ(a.live_heap_max, b.live_heap_max);
    EXPECT_EQ(a.mapped, b.mapped);
    EXPECT_EQ(a.allocations, b.allocations);
    EXPECT_EQ(a.frees, b.frees);
    EXPECT_EQ(a.events, b.events);
    EXPECT_EQ(a.allocator_footprint, b.allocator_footprint);
    EXPECT_EQ(a.allocator_in_use, b.allocator_in_use);
    EXPECT_EQ(a.allocator_free, b.allocator_free);
    EXPECT_EQ(a.smaps_brk_heap, b.smaps_brk_heap);
    EXPECT_EQ(a.smaps_stacks, b.smaps_stacks);
    EXPECT_EQ(a.smaps_anon_other, b.smaps_anon_other);
    EXPECT_EQ(a.smaps_file, b.smaps_file);
    EXPECT_EQ(a.smaps_other, b.smaps_other);
    EXPECT_EQ(a.tracker_bytes, b.tracker_bytes);
    EXPECT_EQ(a.runtime_heap_used, b.runtime_heap_used);
    EXPECT_EQ(a.runtime_heap_committed, b.runtime_heap_committed);
    EXPECT_EQ(a.runtime_heap_max, b.runtime_heap_max);
    EXPECT_EQ(a.runtime_old_gen_used, b.runtime_old_gen_used);
    EXPECT_EQ(a.runtime_metaspace_used, b.runtime_metaspace_used);
    EXPECT_EQ(a.runtime_young_gcs, b.runtime_young_gcs);
    EXPECT_EQ(a.runtime_full_gcs, b.runtime_full_gcs);
    EXPECT_EQ(a.runtime_concurrent_gcs, b.runtime_concurrent_gcs);
    EXPECT_EQ(a.vm_data, b.vm_data);
    EXPECT_EQ(a.runtime_eden_used, b.runtime_eden_used);
    EXPECT_EQ(a.runtime_unread_jvms, b.runtime_unread_jvms);
    EXPECT_EQ(a.smaps_stacks_mapped, b.smaps_stacks_mapped);
    EXPECT_EQ(a.allocator_reads, b.allocator_reads);
}

}  // namespace

void expect_same_recording(const Recording& e, const Recording& a) {
    EXPECT_EQ(e.info.command, a.info.command);
    EXPECT_EQ(e.info.pid, a.info.pid);
    EXPECT_EQ(e.info.attached, a.info.attached);
    EXPECT_TRUE(same_double(e.info.start_unix_s, a.info.start_unix_s));
    EXPECT_TRUE(same_double(e.info.interval_s, a.info.interval_s));
    EXPECT_EQ(e.info.tracker_mode, a.info.tracker_mode);
    EXPECT_EQ(e.info.sample_bytes, a.info.sample_bytes);
    EXPECT_EQ(e.info.cgroup_limit_bytes, a.info.cgroup_limit_bytes);
    EXPECT_EQ(e.info.machine_memory_bytes, a.info.machine_memory_bytes);
    EXPECT_EQ(e.info.user_limit_bytes, a.info.user_limit_bytes);
    EXPECT_EQ(e.info.events_regex, a.info.events_regex);
    EXPECT_EQ(e.info.hostname, a.info.hostname);
    EXPECT_EQ(e.info.leakscope_version, a.info.leakscope_version);
    EXPECT_EQ(e.info.allocator, a.info.allocator);
    EXPECT_EQ(e.info.runtime, a.info.runtime);

    ASSERT_EQ(e.samples.size(), a.samples.size());
    for (std::size_t i = 0; i < e.samples.size(); ++i) {
        expect_same_sample(e.samples[i], a.samples[i], i);
        if (::testing::Test::HasFailure()) return;  // one bad sample says enough
    }
    EXPECT_EQ(e.processes, a.processes);

    ASSERT_EQ(e.modules.size(), a.modules.size());
    for (std::size_t i = 0; i < e.modules.size(); ++i) {
        const auto& x = e.modules[i];
        const auto& y = a.modules[i];
        EXPECT_EQ(x.start, y.start);
        EXPECT_EQ(x.end, y.end);
        EXPECT_EQ(x.load_bias, y.load_bias);
        EXPECT_EQ(x.path, y.path);
        EXPECT_EQ(x.build_id, y.build_id);
        EXPECT_TRUE(same_double(x.loaded_t_s, y.loaded_t_s));
        EXPECT_EQ(x.unloaded_t_s, y.unloaded_t_s);
        EXPECT_EQ(x.process, y.process);
    }

    ASSERT_EQ(e.stacks.size(), a.stacks.size());
    for (auto it = e.stacks.begin(), jt = a.stacks.begin(); it != e.stacks.end(); ++it, ++jt) {
        EXPECT_EQ(it->first, jt->first);
        EXPECT_EQ(it->second.id, jt->second.id);
        EXPECT_EQ(it->second.process, jt->second.process);
        EXPECT_EQ(it->second.frames, jt->second.frames);
    }

    ASSERT_EQ(e.sites.t_s.size(), a.sites.t_s.size());
    for (std::size_t c = 0; c < e.sites.t_s.size(); ++c) EXPECT_TRUE(same_double(e.sites.t_s[c], a.sites.t_s[c])) << "column " << c;
    ASSERT_EQ(e.sites.sites.size(), a.sites.sites.size());
    for (std::size_t i = 0; i < e.sites.sites.size(); ++i) {
        const auto& x = e.sites.sites[i];
        const auto& y = a.sites.sites[i];
        EXPECT_EQ(x.stack, y.stack) << "site " << i;
        EXPECT_EQ(x.live_bytes, y.live_bytes) << "site " << i;
        EXPECT_EQ(x.live_count, y.live_count) << "site " << i;
        EXPECT_EQ(x.total_allocations, y.total_allocations) << "site " << i;
        EXPECT_EQ(x.total_bytes, y.total_bytes) << "site " << i;
    }

    ASSERT_EQ(e.symbols.size(), a.symbols.size());
    for (auto it = e.symbols.begin(), jt = a.symbols.begin(); it != e.symbols.end(); ++it, ++jt) {
        EXPECT_EQ(it->first, jt->first);
        ASSERT_EQ(it->second.size(), jt->second.size());
        for (std::size_t f = 0; f < it->second.size(); ++f) {
            const auto& x = it->second[f];
            const auto& y = jt->second[f];
            EXPECT_EQ(x.function, y.function);
            EXPECT_EQ(x.file, y.file);
            EXPECT_EQ(x.line, y.line);
            EXPECT_EQ(x.module, y.module);
            EXPECT_EQ(x.module_offset, y.module_offset);
            EXPECT_EQ(x.inlined, y.inlined);
        }
    }

    ASSERT_EQ(e.end.has_value(), a.end.has_value());
    if (e.end) {
        EXPECT_EQ(e.end->exit_code, a.end->exit_code);
        EXPECT_EQ(e.end->term_signal, a.end->term_signal);
        EXPECT_TRUE(same_double(e.end->duration_s, a.end->duration_s));
        EXPECT_EQ(e.end->reason, a.end->reason);
    }
    ASSERT_EQ(e.tracking_lost.size(), a.tracking_lost.size());
    for (std::size_t i = 0; i < e.tracking_lost.size(); ++i) {
        EXPECT_EQ(e.tracking_lost[i].process, a.tracking_lost[i].process);
        EXPECT_TRUE(same_double(e.tracking_lost[i].t_s, a.tracking_lost[i].t_s));
        EXPECT_EQ(e.tracking_lost[i].reason, a.tracking_lost[i].reason);
    }
    EXPECT_EQ(e.warnings, a.warnings);
}

}  // namespace leakscope::recording::testing
