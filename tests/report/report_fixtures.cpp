#include "report_fixtures.hpp"

#include <cstdio>
#include <cstdlib>

#include "report/html_report.hpp"
#include "report/markdown_report.hpp"
#include "report/terminal_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>

namespace leakscope::report::testing {

namespace {

constexpr double kMB = 1e6;  // decimal, as the reports print them
constexpr double kGB = 1000.0 * kMB;

/// Deterministic noise in [-1, 1] (the goldens must not change from run to run or libc to libc).
class Noise {
public:
    explicit Noise(std::uint64_t seed) : state_(seed) {}
    double next() {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 53) * 2 - 1;
    }

private:
    std::uint64_t state_;
};

auto bytes(double value) { return static_cast<std::uint64_t>(std::llround(std::max(value, 0.0))); }

RunInfo base_info(std::vector<std::string> command, double interval_s, const char* tracker) {
    RunInfo info;
    info.command = std::move(command);
    info.pid = 4242;
    info.start_unix_s = 1'790'000'000;  // 2026-09-21 14:13:20 UTC
    info.interval_s = interval_s;
    info.tracker_mode = tracker;
    info.hostname = "soak-runner-3";
    info.leakscope_version = "0.1.0";
    return info;
}

RunEnd ended(double duration_s) {
    RunEnd end;
    end.exit_code = 0;
    end.duration_s = duration_s;
    end.reason = "duration";
    return end;
}

/// Raw samples every `interval_s` from 0 to `duration_s`, with RSS from `rss(t)`; the caller fills the rest.
std::vector<SamplePoint> raw_samples(double duration_s, double interval_s, const std::function<double(double)>& rss) {
    std::vector<SamplePoint> samples;
    auto count = static_cast<std::size_t>(std::llround(duration_s / interval_s));
    for (std::size_t i = 0; i <= count; ++i) {
        SamplePoint s;
        s.t_s = static_cast<double>(i) * interval_s;
        s.processes = 1;
        s.threads = 8;
        s.rss = s.rss_min = s.rss_max = bytes(rss(s.t_s));
        samples.push_back(s);
    }
    return samples;
}

void fill_smaps(std::vector<SamplePoint>& samples) {
    for (auto& s : samples) {
        double rss = static_cast<double>(s.rss);
        s.pss = bytes(rss * 0.97);
        s.anon = bytes(rss * 0.86);
        s.file = bytes(rss * 0.14);
        s.swap = 0;
    }
}

analysis::Analysis base_analysis(const Recording& recording) {
    analysis::Analysis a;
    a.duration_s = recording.samples.empty() ? 0 : recording.samples.back().t_s;
    for (const auto& s : recording.samples) a.samples += s.merged;
    a.events = recording.samples.empty() ? 0 : recording.samples.back().events;
    if (!recording.samples.empty()) {
        a.start_rss = static_cast<double>(recording.samples.front().rss);
        a.end_rss = static_cast<double>(recording.samples.back().rss);
        for (const auto& s : recording.samples) a.peak_rss = std::max(a.peak_rss, static_cast<double>(s.rss_max));
    }
    return a;
}

/// A part of the RSS decomposition: its rate and whether it changed beyond its noise.
using Decomposition = diagnosis::ProcessDiagnosis::Decomposition;
Decomposition::Rate part(double rate, bool changed) { return {rate, changed ? 1e-6 : 0.4, changed}; }

diagnosis::Diagnosis flat_diagnosis(diagnosis::Pattern pattern, double level) {
    diagnosis::Diagnosis d;
    d.pattern = pattern;
    d.confidence = 0.9;
    d.steady_rate_bytes_per_s = 0;
    d.rate_ci_low_bytes_per_s = -2;
    d.rate_ci_high_bytes_per_s = 2;
    d.trend_p_value = 0.6;
    d.fit_intercept_bytes = d.baseline_bytes = d.peak_bytes = d.final_bytes = level;
    return d;
}

/// One site of the linear-leak service: its stack (innermost first) and its live bytes over time.
struct SiteSpec {
    std::string function, file;
    int line;
    std::vector<std::string> callers;  ///< "function (file:line)", innermost first, after the site itself
    std::function<double(double)> live;
    diagnosis::Diagnosis diagnosis;
    double q_value;
};

void add_sites(Recording& recording, analysis::Analysis& analysis, std::vector<SiteSpec> specs, double duration_s,
               double grid_step_s) {
    auto& grid = recording.sites;
    for (double t = 0; t <= duration_s + 1e-9; t += grid_step_s) grid.t_s.push_back(t);
    std::uint32_t next_id = 1;
    for (auto& spec : specs) {
        SiteSeries::Site site;
        site.stack = StackId{next_id};
        double peak = 0;
        for (double t : grid.t_s) {
            double live = std::max(spec.live(t), 0.0);
            peak = std::max(peak, live);
            site.live_bytes.push_back(static_cast<std::int64_t>(live));
            site.live_count.push_back(static_cast<std::int64_t>(live / 512));
        }
        site.total_bytes = static_cast<std::uint64_t>(peak * 3);
        site.total_allocations = site.total_bytes / 512;

        Stack stack;
        stack.id = site.stack;
        for (std::size_t f = 0; f <= spec.callers.size(); ++f) stack.frames.push_back(0x401000 + next_id * 0x100 + f * 8);
        recording.stacks[stack.id] = stack;

        analysis::SiteReport report;
        report.stack = site.stack;
        report.function = spec.function;
        report.file = spec.file;
        report.line = spec.line;
        report.module = "/opt/svc/bin/netdetect";
        report.frames.push_back(spec.function + " (" + spec.file + ":" + std::to_string(spec.line) + ")");
        for (const auto& caller : spec.callers) report.frames.push_back(caller);
        report.live_bytes = static_cast<double>(site.live_bytes.back());
        report.peak_live_bytes = peak;
        report.total_allocations = site.total_allocations;
        report.total_bytes = site.total_bytes;
        report.diagnosis = spec.diagnosis;
        report.q_value = spec.q_value;
        report.series_index = grid.sites.size();
        analysis.sites.push_back(report);
        grid.sites.push_back(std::move(site));
        ++next_id;
    }
}

}  // namespace

Example warmup_example() {
    Example e{"warmup"};
    Noise noise(1);
    auto rss = [&](double t) { return 20 * kMB + 24 * kMB * (1 - std::exp(-t / 22)) + 0.15 * kMB * noise.next(); };
    e.recording.info = base_info({"./controller_bench", "--cycles", "1000"}, 0.5, "off");
    e.recording.info.events_regex = "^cycle done";
    e.recording.samples = raw_samples(600, 0.5, rss);
    fill_smaps(e.recording.samples);
    for (auto& s : e.recording.samples) s.events = static_cast<std::uint64_t>(s.t_s * 10);
    e.recording.processes = {"4242:controller_bench"};
    e.recording.end = ended(600);

    auto& a = e.analysis = base_analysis(e.recording);
    diagnosis::Diagnosis d;
    d.pattern = diagnosis::Pattern::warmup_plateau;
    d.leak = false;
    d.severity = diagnosis::Severity::none;
    d.confidence = 0.91;
    d.summary = "Not a leak: 24 MB of one-time warm-up in the first 100 s, then RSS stays flat "
                "(+0.07 MB/h, not significant).";
    d.warmup_bytes = 24 * kMB;
    d.warmup_end_s = 100;
    d.steady_rate_bytes_per_s = 20;
    d.rate_ci_low_bytes_per_s = -15;
    d.rate_ci_high_bytes_per_s = 55;
    d.trend_p_value = 0.31;
    d.rate_bytes_per_event = 2;
    d.rate_per_event_ci_low = -1.5;
    d.rate_per_event_ci_high = 5.5;
    d.fit_intercept_bytes = d.baseline_bytes = 43.9 * kMB;
    d.peak_bytes = 44.2 * kMB;
    d.final_bytes = 44 * kMB;
    d.change_points_s = {100};
    a.process.verdict = d;
    a.process.metric = "rss";
    a.process.rss = d;
    return e;
}

Example linear_leak_example() {
    Example e{"linear_leak"};
    Noise noise(2);
    constexpr double kDuration = 7200;
    const double rss_rate = 102 * kMB / 3600;
    const double heap_rate = 98 * kMB / 3600;
    e.recording.info = base_info({"/opt/svc/bin/netdetect", "--config", "/etc/netdetect/idle test.yaml"}, 1, "full");
    e.recording.info.events_regex = "request served";
    e.recording.info.cgroup_limit_bytes = static_cast<std::uint64_t>(8 * kGB);
    e.recording.processes = {"4242:netdetect"};

    auto heap_at = [&](double t) { return 300 * kMB + heap_rate * t; };
    auto rss_at = [&](double t) { return 465 * kMB + rss_rate * t; };
    auto events_at = [](double t) { return static_cast<std::uint64_t>(t * 415 / 3600); };
    // The first hour as 10 s buckets (the bounded model merges old points), the second hour raw.
    for (double t = 5; t < 3600; t += 10) {
        SamplePoint s;
        s.t_s = t;
        s.span_s = 10;
        s.merged = 10;
        s.processes = 1;
        s.threads = 12;
        double wobble = 3 * kMB * noise.next();
        s.rss = bytes(rss_at(t) + wobble);
        s.rss_min = bytes(rss_at(t) + wobble - 2.5 * kMB);
        s.rss_max = bytes(rss_at(t) + wobble + 2.5 * kMB);
        s.live_heap = bytes(heap_at(t) + 0.5 * wobble);
        s.live_heap_min = s.live_heap - bytes(1 * kMB);
        s.live_heap_max = s.live_heap + bytes(1 * kMB);
        s.mapped = bytes(64 * kMB);
        s.events = events_at(t);
        e.recording.samples.push_back(s);
    }
    for (double t = 3600; t <= kDuration; t += 1) {
        SamplePoint s;
        s.t_s = t;
        s.processes = 1;
        s.threads = 12;
        double wobble = 3 * kMB * noise.next();
        s.rss = s.rss_min = s.rss_max = bytes(rss_at(t) + wobble);
        s.live_heap = s.live_heap_min = s.live_heap_max = bytes(heap_at(t) + 0.5 * wobble);
        s.mapped = bytes(64 * kMB);
        s.events = events_at(t);
        e.recording.samples.push_back(s);
    }
    fill_smaps(e.recording.samples);
    std::uint64_t allocations = 0;
    for (auto& s : e.recording.samples) {
        allocations += 40'000 * s.merged;
        s.allocations = allocations;
        s.frees = allocations - bytes(static_cast<double>(s.live_heap) / 512);
    }
    e.recording.end = ended(kDuration);

    auto& a = e.analysis = base_analysis(e.recording);
    a.limit_bytes = 8 * kGB;
    a.limit_source = "cgroup";

    auto linear = [](double rate, double intercept, double q_low, double q_high) {
        diagnosis::Diagnosis d;
        d.pattern = diagnosis::Pattern::linear_growth;
        d.leak = true;
        d.severity = diagnosis::Severity::high;
        d.confidence = 0.97;
        d.steady_rate_bytes_per_s = rate;
        d.rate_ci_low_bytes_per_s = rate * q_low;
        d.rate_ci_high_bytes_per_s = rate * q_high;
        d.trend_p_value = 1e-12;
        d.fit_intercept_bytes = d.baseline_bytes = intercept;
        d.peak_bytes = d.final_bytes = intercept + rate * 7200;
        return d;
    };
    auto verdict = linear(heap_rate, 300 * kMB, 0.96, 1.04);
    verdict.summary = "Leak: the live heap grows steadily at 98 MB/h (about 242 kB per request) with no warm-up. "
                      "At this rate RSS reaches the 8 GB cgroup limit in 3.1 days; restart every 2.5 days until "
                      "JsonLinesLogger::append is fixed.";
    verdict.rate_bytes_per_event = 98 * kMB / 415;
    verdict.rate_per_event_ci_low = 94 * kMB / 415;
    verdict.rate_per_event_ci_high = 102 * kMB / 415;
    verdict.limit_bytes = 8 * kGB;
    verdict.time_to_limit_s = (8 * kGB - 669 * kMB) / rss_rate;
    verdict.restart_interval_s = 2.5 * 86400;
    a.process.verdict = verdict;
    a.process.metric = "live_heap";
    a.process.rss = linear(rss_rate, 465 * kMB, 0.95, 1.05);
    a.process.live_heap = verdict;
    Decomposition parts;
    parts.to_s = kDuration;
    parts.rss = part(rss_rate, true);
    parts.live_heap = part(heap_rate, true);
    parts.mapped = part(0, false);
    parts.allocator_retained = part(rss_rate - heap_rate, true);
    parts.rss_changed = true;
    a.process.decomposition = parts;

    auto site_diag = [&](diagnosis::Pattern pattern, bool leak, double rate) {
        diagnosis::Diagnosis d = linear(rate, 0, 0.9, 1.1);
        d.pattern = pattern;
        d.leak = leak;
        d.severity = leak ? diagnosis::Severity::high : diagnosis::Severity::none;
        d.rate_bytes_per_event = rate * 3600 / 415;
        return d;
    };
    const std::string handler = "RequestHandler::handle(Request const&) (src/server/handler.cpp:120)";
    const std::string server = "Server::run() (src/server/server.cpp:77)";
    const std::string main_frame = "main (src/main.cpp:21)";
    const std::string libc = "__libc_start_call_main (../sysdeps/nptl/libc_start_call_main.h:58)";
    std::vector<SiteSpec> specs;
    {
        auto d = site_diag(diagnosis::Pattern::linear_growth, true, 95 * kMB / 3600);
        d.summary = "Grows 95 MB/h in steady state: the JSON-lines buffer is appended to and never flushed.";
        specs.push_back({"JsonLinesLogger::append(std::string_view)", "src/log/json_lines.cpp", 88,
                         {"Logger::write(Level, std::string_view) (src/log/logger.cpp:40)", handler, server, main_frame, libc},
                         [](double t) { return 10 * kMB + 95 * kMB / 3600 * t; }, d, 2e-9});
    }
    {
        auto d = site_diag(diagnosis::Pattern::linear_growth, true, 3 * kMB / 3600);
        specs.push_back({"MetricsRegistry::add_label(std::string const&)", "src/metrics/registry.cpp", 203,
                         {"RequestHandler::record_metrics() (src/server/handler.cpp:171)", handler, server, main_frame, libc},
                         [](double t) { return 1 * kMB + 3 * kMB / 3600 * t; }, d, 4e-4});
    }
    {
        auto d = site_diag(diagnosis::Pattern::warmup_plateau, false, 0);
        d.warmup_bytes = 120 * kMB;
        d.warmup_end_s = 600;
        specs.push_back({"SessionCache::insert(SessionId, Session&&)", "src/cache/session_cache.cpp", 142,
                         {"SessionStore::open(SessionId) (src/server/sessions.cpp:64)", handler, server, main_frame, libc},
                         [](double t) { return 120 * kMB * (1 - std::exp(-t / 150)); }, d, 0.8});
    }
    {
        auto d = site_diag(diagnosis::Pattern::bounded_sawtooth, false, 0);
        d.period_s = 300;
        specs.push_back({"HistoryList::push(Event const&)", "src/model/history.cpp", 57,
                         {"Detector::observe(Packet const&) (src/detect/detector.cpp:210)",
                          "Server::on_packet(Packet const&) (src/server/server.cpp:133)", server, main_frame, libc},
                         [](double t) { return 5 * kMB + 5 * kMB * std::fmod(t, 300) / 300; }, d, 0.9});
    }
    {
        auto d = site_diag(diagnosis::Pattern::stable, false, 0);
        specs.push_back({"BufferPool::grow(unsigned long)", "src/net/buffer_pool.cpp", 31,
                         {"BufferPool::BufferPool(unsigned long) (src/net/buffer_pool.cpp:12)",
                          "Server::Server(Config const&) (src/server/server.cpp:30)", main_frame, libc},
                         [](double) { return 32 * kMB; }, d, 1});
    }
    add_sites(e.recording, a, std::move(specs), kDuration, 10);
    return e;
}

Example sawtooth_example() {
    Example e{"sawtooth"};
    Noise noise(3);
    auto rss = [&](double t) {
        double phase = std::fmod(t, 120) / 120;
        return 180 * kMB + 40 * kMB * phase + 0.4 * kMB * noise.next();
    };
    e.recording.info = base_info({"python3", "history_service.py"}, 0.5, "off");
    e.recording.samples = raw_samples(1800, 0.5, rss);
    fill_smaps(e.recording.samples);
    e.recording.processes = {"4242:python3"};
    e.recording.end = ended(1800);

    auto& a = e.analysis = base_analysis(e.recording);
    auto d = flat_diagnosis(diagnosis::Pattern::bounded_sawtooth, 200 * kMB);
    d.confidence = 0.94;
    d.summary = "Not a leak: RSS climbs by 40 MB and drops back every 2 min (a buffer truncated at its cap); "
                "the peaks do not rise (+0.2 MB/h, not significant).";
    d.steady_rate_bytes_per_s = 55;
    d.rate_ci_low_bytes_per_s = -120;
    d.rate_ci_high_bytes_per_s = 230;
    d.period_s = 120;
    d.peak_bytes = 220 * kMB;
    d.baseline_bytes = 180 * kMB;
    a.process.verdict = d;
    a.process.metric = "rss";
    a.process.rss = d;
    return e;
}

Example fragmentation_example() {
    Example e{"fragmentation"};
    Noise noise(4);
    constexpr double kDuration = 3600;
    e.recording.info = base_info({"./render_worker", "--threads", "8"}, 1, "sampled");
    e.recording.info.sample_bytes = 512 * 1024;
    e.recording.info.machine_memory_bytes = static_cast<std::uint64_t>(16 * kGB);
    auto heap = [&](double t) { return 200 * kMB + 6 * kMB * std::sin(t / 40) + 1 * kMB * noise.next(); };
    e.recording.samples = raw_samples(kDuration, 1, [](double t) { return t; });
    for (auto& s : e.recording.samples) {
        double h = heap(s.t_s);
        double retained = 40 * kMB + 120 * kMB * s.t_s / kDuration * (1 + 0.05 * noise.next());
        s.live_heap = s.live_heap_min = s.live_heap_max = bytes(h);
        s.mapped = bytes(48 * kMB);
        s.rss = s.rss_min = s.rss_max = bytes(h + 48 * kMB + retained);
    }
    fill_smaps(e.recording.samples);
    e.recording.processes = {"4242:render_worker"};
    e.recording.end = ended(kDuration);

    auto& a = e.analysis = base_analysis(e.recording);
    a.limit_bytes = 16 * kGB;
    a.limit_source = "machine memory";
    const double rss_rate = 120 * kMB / 3600;
    auto heap_d = flat_diagnosis(diagnosis::Pattern::stable, 200 * kMB);
    heap_d.confidence = 0.88;
    auto rss_d = flat_diagnosis(diagnosis::Pattern::linear_growth, 288 * kMB);
    rss_d.leak = true;
    rss_d.severity = diagnosis::Severity::medium;
    rss_d.steady_rate_bytes_per_s = rss_rate;
    rss_d.rate_ci_low_bytes_per_s = rss_rate * 0.93;
    rss_d.rate_ci_high_bytes_per_s = rss_rate * 1.07;
    rss_d.trend_p_value = 1e-9;
    auto verdict = rss_d;
    verdict.pattern = diagnosis::Pattern::fragmentation;
    verdict.leak = false;
    verdict.severity = diagnosis::Severity::medium;
    verdict.confidence = 0.86;
    verdict.summary = "Not a leak in the program's data: the live heap is flat at 200 MB while RSS grows 120 MB/h. "
                      "The allocator keeps freed memory (fragmentation); try malloc_trim, MALLOC_ARENA_MAX=2 or jemalloc.";
    verdict.limit_bytes = 16 * kGB;
    verdict.time_to_limit_s = (16 * kGB - 408 * kMB) / rss_rate;
    verdict.restart_interval_s = 4 * 86400;
    a.process.verdict = verdict;
    a.process.metric = "rss";  // as diagnose_process() does: a fragmentation verdict rests on RSS
    a.process.rss = rss_d;
    a.process.live_heap = heap_d;
    Decomposition parts;
    parts.to_s = kDuration;
    parts.rss = part(rss_rate, true);
    parts.live_heap = part(0.02 * kMB / 3600, false);  // flat: no change beyond its noise
    parts.mapped = part(0, false);
    parts.allocator_retained = part(rss_rate, true);
    parts.rss_changed = true;
    a.process.decomposition = parts;

    auto stable = flat_diagnosis(diagnosis::Pattern::stable, 0);
    std::vector<SiteSpec> specs;
    specs.push_back({"TileCache::allocate_tile(int, int)", "src/render/tile_cache.cpp", 77,
                     {"Renderer::draw(Scene const&) (src/render/renderer.cpp:301)", "Worker::loop() (src/worker.cpp:52)"},
                     [](double t) { return 120 * kMB + 5 * kMB * std::sin(t / 40); }, stable, 0.7});
    specs.push_back({"Mesh::Mesh(std::vector<Vertex>)", "src/render/mesh.cpp", 19,
                     {"SceneLoader::load(Path const&) (src/render/scene_loader.cpp:88)", "Worker::loop() (src/worker.cpp:47)"},
                     [](double) { return 60 * kMB; }, stable, 1});
    specs.push_back({"std::vector<Job>::_M_realloc_insert", "/usr/include/c++/12/bits/vector.tcc", 440,
                     {"JobQueue::push(Job&&) (src/jobs/queue.cpp:25)", "Worker::loop() (src/worker.cpp:40)"},
                     [](double t) { return 20 * kMB + 1 * kMB * std::sin(t / 40); }, stable, 1});
    add_sites(e.recording, a, std::move(specs), kDuration, 10);
    return e;
}

Example untracked_example() {
    Example e{"untracked"};
    e.recording.info = base_info({"java", "-jar", "billing.jar"}, 0.5, "off");
    e.recording.info.attached = true;
    e.recording.samples = raw_samples(2.5, 0.5, [](double t) { return 812 * kMB + 3 * kMB * t; });
    e.recording.processes = {"4242:java"};
    e.recording.warnings = {"recording truncated at byte 12345 (leakscope was killed)"};
    auto& a = e.analysis = base_analysis(e.recording);
    diagnosis::Diagnosis d;
    d.pattern = diagnosis::Pattern::insufficient_data;
    d.confidence = 0;
    d.summary = "Too little data to tell: 6 samples over 2.5 s. Record for at least a few minutes (ideally "
                "several work cycles).";
    d.steady_rate_bytes_per_s = 3 * kMB;
    d.rate_ci_low_bytes_per_s = -20 * kMB;
    d.rate_ci_high_bytes_per_s = 26 * kMB;
    a.process.verdict = d;
    a.process.metric = "rss";
    a.process.rss = d;
    return e;
}

Example day_long_example() {
    // Built from the linear leak: its analysis and stacks, on a day of samples and a 40-site grid.
    Example day = linear_leak_example();
    day.name = "day_long";
    auto& samples = day.recording.samples;
    SamplePoint last = samples.back();
    samples.clear();
    for (int i = 0; i < 86400; ++i) {
        SamplePoint s = last;
        s.t_s = i;
        s.span_s = 0;
        s.merged = 1;
        s.rss = s.rss_min = s.rss_max = static_cast<std::uint64_t>(400e6 + i * 1000 + (i % 97) * 20000);
        s.live_heap = s.live_heap_min = s.live_heap_max = s.rss / 2;
        s.events = static_cast<std::uint64_t>(i / 9);
        samples.push_back(s);
    }
    auto& grid = day.recording.sites;
    grid.t_s.clear();
    for (int i = 0; i < 8640; ++i) grid.t_s.push_back(i * 10.0);
    auto site_template = grid.sites.front();
    grid.sites.clear();
    for (int s = 0; s < 40; ++s) {
        auto site = site_template;
        site.live_bytes.assign(grid.t_s.size(), 0);
        for (std::size_t i = 0; i < grid.t_s.size(); ++i) site.live_bytes[i] = static_cast<std::int64_t>((s + 1) * 1000 * (i % 500 + 1));
        grid.sites.push_back(site);
    }
    auto report_template = day.analysis.sites.front();
    day.analysis.sites.clear();
    for (int s = 0; s < 40; ++s) {
        auto site = report_template;
        site.series_index = static_cast<std::size_t>(s);
        site.function = "Site" + std::to_string(s) + "::allocate";
        day.analysis.sites.push_back(site);
    }
    day.analysis.duration_s = 86399;
    day.analysis.samples = 86400;
    return day;
}

std::vector<Example> all_examples() {
    return {warmup_example(), linear_leak_example(), sawtooth_example(), fragmentation_example(), untracked_example()};
}

std::string html_text(const Example& example) {
    std::ostringstream out;
    write_html(out, example.recording, example.analysis);
    return out.str();
}

std::string markdown_text(const Example& example) {
    std::ostringstream out;
    write_markdown(out, example.recording, example.analysis);
    return out.str();
}

std::string terminal_text(const Example& example, bool color, std::string_view recording_path) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* memory = open_memstream(&buffer, &size);
    print_terminal_summary(memory, example.recording, example.analysis, color, recording_path);
    std::fclose(memory);
    std::string text(buffer, size);
    std::free(buffer);
    return text;
}

std::string fact_value(const std::vector<Fact>& facts, std::string_view label) {
    const auto it = std::find_if(facts.begin(), facts.end(), [&](const Fact& f) { return f.label == label; });
    return it == facts.end() ? std::string("(none)") : it->value;
}

}  // namespace leakscope::report::testing
