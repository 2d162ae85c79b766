// Monitor as a service uses it: background sampling, start/stop, the RSS gauge, many threads pushing
// while analyses run, callbacks that call back in, an injected clock, bad input.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "leakscope/monitor.hpp"

namespace {

using namespace std::chrono_literals;

/// Polls `condition` for up to 10 s (CI machines are slow); true when it became true.
template <typename Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(2ms);
    }
    return condition();
}

leakscope::GaugeStatus status_of(const leakscope::Monitor& monitor, const std::string& name) {
    for (const auto& status : monitor.status())
        if (status.name == name) return status;
    ADD_FAILURE() << "no gauge " << name;
    return {};
}

TEST(MonitorLifecycle, BackgroundThreadSamplesGaugesAndRss) {
    leakscope::MonitorOptions options;
    options.sample_interval_s = 0.005;
    options.analysis_interval_s = 0.02;
    options.coalesce_s = 0;
    leakscope::Monitor monitor(options);
    std::atomic<int> sampled{0};
    monitor.gauge("cache.sampled", [&] {
        ++sampled;
        return leakscope::GaugeReading{1000.0 * sampled, 10.0};
    });
    EXPECT_FALSE(monitor.running());
    monitor.start();
    monitor.start();  // a second start is a no-op
    EXPECT_TRUE(monitor.running());
    EXPECT_TRUE(eventually([&] { return sampled >= 5; }));
    monitor.stop();
    EXPECT_FALSE(monitor.running());
    const int after_stop = sampled;
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(sampled, after_stop) << "nothing samples after stop()";

    const auto rss = status_of(monitor, "process.rss");
    EXPECT_GE(rss.observations, 1u);
    EXPECT_GT(rss.current_bytes, 1 << 20) << "a running test binary has more than 1 MiB resident";
    const auto cache = status_of(monitor, "cache.sampled");
    EXPECT_EQ(cache.observations, static_cast<std::size_t>(after_stop));
    ASSERT_TRUE(cache.current_entries);
    EXPECT_EQ(*cache.current_entries, 10.0);
}

TEST(MonitorLifecycle, DestructorStopsARunningMonitor) {
    auto monitor = std::make_unique<leakscope::Monitor>(leakscope::MonitorOptions{.sample_interval_s = 3600});
    monitor->start();
    const auto started = std::chrono::steady_clock::now();
    monitor.reset();  // must not wait for the hour-long sleep
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(MonitorLifecycle, ManyThreadsPushWhileAnalysesRun) {
    leakscope::MonitorOptions options;
    options.coalesce_s = 0;
    leakscope::Monitor monitor(options);
    std::atomic<bool> done{false};
    std::atomic<int> findings_heard{0};
    monitor.on_finding([&](const leakscope::Finding&) {
        ++findings_heard;
        (void)monitor.status();  // calling back into the monitor from the callback must not deadlock
    });
    std::thread analyst([&] {
        while (!done) {
            (void)monitor.analyze_now();
            (void)monitor.status();
        }
    });
    constexpr int kThreads = 4, kPushes = 20000;
    std::vector<std::thread> pushers;
    for (int t = 0; t < kThreads; ++t)
        pushers.emplace_back([&, t] {
            const auto shared = monitor.gauge("cache.shared");
            const auto own = monitor.gauge("cache.thread" + std::to_string(t));
            for (int i = 0; i < kPushes; ++i) {
                shared.observe(1e6 + i, i);
                own.observe(1e6 + 100.0 * i);
            }
        });
    for (auto& pusher : pushers) pusher.join();
    done = true;
    analyst.join();
    EXPECT_EQ(status_of(monitor, "cache.shared").observations, static_cast<std::size_t>(kThreads * kPushes));
    for (int t = 0; t < kThreads; ++t) {
        const auto own = status_of(monitor, "cache.thread" + std::to_string(t));
        EXPECT_EQ(own.observations, static_cast<std::size_t>(kPushes));
        EXPECT_LE(own.history_points, 256u * 8u);
    }
}

TEST(MonitorLifecycle, InjectedClockTimesObservations) {
    double fake_now = 1000;
    leakscope::MonitorOptions options;
    options.watch_rss = false;
    options.clock = [&] { return fake_now; };
    leakscope::Monitor monitor(options);
    const auto cache = monitor.gauge("cache.clocked");
    cache.observe(5);
    fake_now = 1030;
    cache.observe(6, 2);
    EXPECT_EQ(monitor.now(), 1030);
    const auto status = status_of(monitor, "cache.clocked");
    EXPECT_EQ(status.first_t_s, 1000);
    EXPECT_EQ(status.last_t_s, 1030);
    EXPECT_EQ(status.current_bytes, 6);
}

TEST(MonitorLifecycle, SameNameIsTheSameGauge) {
    leakscope::Monitor monitor(leakscope::MonitorOptions{.watch_rss = false, .coalesce_s = 0});
    const auto a = monitor.gauge("cache.one");
    const auto b = monitor.gauge("cache.one");
    a.observe_at(1, 10);
    b.observe_at(2, 20);
    EXPECT_EQ(monitor.status().size(), 1u);
    EXPECT_EQ(status_of(monitor, "cache.one").observations, 2u);
    EXPECT_EQ(a.name(), "cache.one");
}

TEST(MonitorLifecycle, BadInputIsRefusedOrHarmless) {
    leakscope::Monitor monitor(leakscope::MonitorOptions{.watch_rss = false});
    EXPECT_THROW(monitor.gauge(""), std::invalid_argument);
    const leakscope::Gauge unset;
    EXPECT_FALSE(unset);
    unset.observe(1);  // a default handle does nothing
    EXPECT_EQ(unset.name(), "");
    monitor.gauge("cache.throws", []() -> leakscope::GaugeReading { throw std::runtime_error("down"); });
    monitor.sample_now();  // a failing sampler loses its sample, nothing else
    EXPECT_EQ(status_of(monitor, "cache.throws").observations, 0u);
    EXPECT_TRUE(monitor.analyze_now().empty());

    const auto cache = monitor.gauge("cache.nan");
    cache.observe_at(1, std::nan(""));
    cache.observe_at(2, 1.0 / 0.0);
    cache.observe_at(std::nan(""), 5);
    cache.observe_at(3, 7, std::nan(""));
    const auto status = status_of(monitor, "cache.nan");
    EXPECT_EQ(status.observations, 1u) << "non-finite values and times are dropped";
    EXPECT_EQ(status.current_bytes, 7);
    EXPECT_FALSE(status.current_entries);
}

}  // namespace
