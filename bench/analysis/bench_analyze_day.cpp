// How long `leakscope analyze` takes on a day-long recording (target: under 5 s).
//
// Writes a synthetic day at 10 Hz through the real RecordingWriter — 864,000 samples of a process
// that warms up and then leaks slowly under noise, 300 call sites with a snapshot every second —
// then times reading it back, the analysis (process and per-site diagnosis, symbol look-up) and the
// JSON and HTML reports, as `leakscope analyze --json --html` does.
//
// Usage: bench_analyze_day [directory]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "analysis/analysis.hpp"
#include "recording/recording_reader.hpp"
#include "recording/recording_writer.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void write_day(const std::string& path) {
    using namespace leakscope;
    RunInfo info;
    info.command = {"synthetic-day"};
    info.tracker_mode = "full";
    info.machine_memory_bytes = 8ull << 30;
    auto writer = recording::RecordingWriter::create(path, info);
    const std::uint32_t process = writer.add_process("1:synthetic");
    constexpr int kSites = 300;
    for (int s = 0; s < kSites; ++s) {
        Stack stack;
        stack.id = StackId{static_cast<std::uint32_t>(s + 1)};
        stack.process = process;
        stack.frames = {0x401000u + 16u * static_cast<unsigned>(s), 0x402000, 0x403000};
        writer.add_stack(stack);
    }
    std::mt19937_64 rng(20261121);
    std::normal_distribution<double> noise(0, 2e6);
    std::vector<std::int64_t> live(kSites, 0);
    for (int i = 0; i < 864000; ++i) {
        const double t = 0.1 * i;
        SamplePoint sample;
        sample.t_s = t;
        sample.processes = 1;
        sample.threads = 8;
        const double warmup = 200e6 * (1 - std::exp(-t / 600));  // a cache filling over ~30 min
        const double heap = 50e6 + warmup + 300.0 * t + noise(rng);  // then 300 B/s (~1 MB/h)
        sample.live_heap = sample.live_heap_min = sample.live_heap_max = static_cast<std::uint64_t>(std::max(heap, 0.0));
        sample.mapped = 4 << 20;
        sample.rss = sample.rss_min = sample.rss_max = sample.live_heap + (60ull << 20);
        sample.events = static_cast<std::uint64_t>(t * 50);
        writer.add_sample(sample);
        if (i % 10 == 9) {
            std::vector<recording::SiteUpdate> updates;
            for (int k = 0; k < 20; ++k) {
                const int s = static_cast<int>(rng() % kSites);
                live[s] += static_cast<std::int64_t>(rng() % 4096) - (s == 7 ? 0 : 2048);  // site 7 leaks
                live[s] = std::max<std::int64_t>(live[s], 0);
                updates.push_back({StackId{static_cast<std::uint32_t>(s + 1)}, live[s], live[s] / 64, 0, 0});
            }
            writer.add_site_snapshot(t, updates);
            writer.flush();
        }
    }
    RunEnd end;
    end.duration_s = 86400;
    end.reason = "exited";
    end.exit_code = 0;
    writer.finish(end);
}

}  // namespace

int main(int argc, char** argv) {
    const std::filesystem::path dir = argc > 1 ? argv[1] : std::filesystem::temp_directory_path();
    const std::string path = (dir / "leakscope-day.lks").string();
    auto start = Clock::now();
    write_day(path);
    std::printf("wrote a day at 10 Hz (864,000 samples, 300 sites): %.1f s, %.1f MB\n", seconds_since(start),
                static_cast<double>(std::filesystem::file_size(path)) / 1e6);

    start = Clock::now();
    const auto recording = leakscope::recording::read_recording(path);
    const double read_s = seconds_since(start);
    start = Clock::now();
    const auto analysis = leakscope::analysis::analyze(recording);
    const double analyze_s = seconds_since(start);
    start = Clock::now();
    std::ofstream json(dir / "leakscope-day.json"), html(dir / "leakscope-day.html");
    leakscope::report::write_json(json, recording, analysis);
    leakscope::report::write_html(html, recording, analysis);
    const double reports_s = seconds_since(start);
    std::printf("analyze of a day-long recording: read %.2f s + diagnose %.2f s + JSON/HTML %.2f s = %.2f s (target < 5 s)\n",
                read_s, analyze_s, reports_s, read_s + analyze_s + reports_s);
    std::printf("verdict: %s\n", analysis.process.verdict.summary.c_str());
    std::filesystem::remove(path);
    return 0;
}
