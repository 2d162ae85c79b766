// The Monitor's insides: the gauge registry, each gauge's bounded history, the background thread.
// Locks, from outer to inner: analysis_mutex -> registry_mutex -> GaugeState::mutex. Callbacks and
// samplers run with no lock held, so they may call back into the monitor.
#pragma once

#include <array>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/monitor.hpp"
#include "monitor/gauge_rules.hpp"
#include "monitor/tiered_history.hpp"

namespace leakscope::detail {

struct GaugeState {
    GaugeState(std::string name_, GaugeOptions options_, std::function<GaugeReading()> sampler_,
               const MonitorOptions& monitor, const std::function<double()>& clock_)
        : name(std::move(name_)),
          options(options_),
          sampler(std::move(sampler_)),
          clock(clock_),
          history(monitor.history_tier_points, monitor.history_tiers, monitor.coalesce_s) {}

    void record(double t_s, double bytes, std::optional<double> entries) {
        // A NaN or infinity would poison every mean and fit downstream: such an observation is dropped.
        if (!std::isfinite(t_s) || !std::isfinite(bytes)) return;
        if (entries && !std::isfinite(*entries)) entries.reset();
        std::lock_guard lock(mutex);
        history.add(t_s, bytes, entries);
    }

    const std::string name;
    const GaugeOptions options;
    const std::function<GaugeReading()> sampler;  ///< empty for pushed gauges
    const std::function<double()>& clock;         ///< the monitor's, which outlives every gauge

    std::mutex mutex;  ///< guards history
    TieredHistory history;

    // Guarded by MonitorCore::analysis_mutex.
    std::array<Severity, 4> reported{};  ///< per FindingKind: severity last told to the callback
    GaugeAnalysis last;
};

struct MonitorCore {
    explicit MonitorCore(MonitorOptions options_);

    GaugeState& gauge(std::string_view name, GaugeOptions options, std::function<GaugeReading()> sampler);
    std::vector<GaugeState*> all_gauges() const;
    static Gauge handle(GaugeState& state) { return Gauge(&state); }

    void sample_now();
    std::vector<Finding> analyze_now();
    std::vector<GaugeStatus> status() const;
    void start();
    void stop();
    void run_background();

    MonitorOptions options;
    std::function<double()> clock;

    mutable std::mutex registry_mutex;
    std::vector<std::unique_ptr<GaugeState>> gauges;  ///< never shrinks: handles stay valid
    GaugeState* rss = nullptr;

    mutable std::mutex analysis_mutex;

    std::mutex callback_mutex;
    std::function<void(const Finding&)> callback;

    std::mutex thread_mutex;  ///< guards stop_requested and thread
    std::condition_variable wake;
    bool stop_requested = false;
    std::thread thread;
};

}  // namespace leakscope::detail
