#include "fleet/fleet_analysis.hpp"

#include <time.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "fleet/fleet_source.hpp"

namespace leakscope::fleet {
namespace {

double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

double diagnose_all(const std::vector<RangeSeries>& series, const std::function<std::vector<double>(const RangeSeries&)>& start_times,
                    const std::function<SeriesOptions(const RangeSeries&)>& options_for, std::size_t jobs,
                    std::vector<FleetEntry>& out) {
    const std::size_t base = out.size();
    out.resize(base + series.size());
    std::atomic<std::size_t> next{0};
    std::atomic<long long> cpu_ns{0};
    auto work = [&] {
        const double cpu0 = thread_cpu_seconds();
        for (std::size_t i = next++; i < series.size(); i = next++) {
            out[base + i] = diagnose_series(series[i], start_times(series[i]), options_for(series[i]));
        }
        cpu_ns += static_cast<long long>((thread_cpu_seconds() - cpu0) * 1e9);
    };
    const std::size_t threads = std::max<std::size_t>(1, std::min(jobs, series.size()));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    return static_cast<double>(cpu_ns.load()) * 1e-9;
}

FleetResult analyze_fleet(const FleetOptions& options) {
    PrometheusClient client(options.url);
    FleetResult result;
    auto& run = result.run;
    run.url = client.url();
    while (!run.url.empty() && run.url.back() == '/') run.url.pop_back();
    run.query = options.query;
    run.end_s = options.end_s;
    run.start_s = options.end_s - options.range_s;
    run.step_s = options.step_s;

    FleetSource source(client, {options.query, run.start_s, run.end_s, run.step_s, options.batch_series});
    source.discover();
    const auto side_started = std::chrono::steady_clock::now();
    StartTimes start_times;
    if (!options.start_time_query.empty())
        start_times = StartTimes(client, options.start_time_query, run.start_s, run.end_s, run.step_s);
    Limits limits;
    if (!options.limit_query.empty()) limits = Limits(client, options.limit_query, run.end_s);
    const double side_fetch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - side_started).count();

    auto options_for = [&](const RangeSeries& s) {
        SeriesOptions o;
        o.restarts.drop_fraction = options.restart_drop_fraction;
        if (options.limit_bytes) {
            o.limit_bytes = options.limit_bytes;
            o.limit_source = "--limit";
        } else if (const auto limit = limits.of(s.labels)) {
            o.limit_bytes = limit;
            o.limit_source = "--limit-query";
        }
        return o;
    };
    auto starts = [&](const RangeSeries& s) { return start_times.on_points(s.labels, s.t_s); };
    const std::size_t jobs = options.jobs ? options.jobs : std::max(1u, std::thread::hardware_concurrency());

    // The next batch is fetched while this one is diagnosed (Prometheus and the parse overlap the work).
    auto pending = std::async(std::launch::async, [&] { return source.next_batch(); });
    while (true) {
        std::vector<RangeSeries> batch = pending.get();
        if (batch.empty()) break;
        pending = std::async(std::launch::async, [&] { return source.next_batch(); });
        run.diagnose_s += diagnose_all(batch, starts, options_for, jobs, result.entries);
    }
    run.fetch_s = source.fetch_seconds() + side_fetch_s;
    run.requests = source.requests();
    rank_fleet(result.entries);
    return result;
}

}  // namespace leakscope::fleet
