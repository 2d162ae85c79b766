// An in-process memory monitor for long-running services: each cache (or anything that holds memory)
// is a named gauge that reports its bytes, and optionally its entry count; the process's own RSS is a
// built-in gauge. The diagnosis engine runs on each gauge, plus four rules for services:
//   gradual growth        memory grows in steady state (the baseline is the first 25% of samples)
//   rapid growth          the last 5 minutes grew 3x faster than the usual rate
//   sustained high usage  80% of recent samples above the gauge's threshold
//   periodic spikes       memory jumps and returns, again and again
// and a callback hears each new finding, with a severity and advice.
//
//   leakscope::Monitor monitor;                       // RSS watched from the start
//   auto users = monitor.gauge("cache.users");        // pushed by the application ...
//   users.observe(cache.bytes(), cache.size());       // ... (well under a microsecond)
//   monitor.gauge("cache.pages", [&] { return leakscope::GaugeReading{pages.bytes(), pages.size()}; });
//   monitor.on_finding([](const leakscope::Finding& f) { log(f.summary, f.advice); });
//   monitor.start();                                  // samples and diagnoses in the background
//
// Memory stays bounded for months of uptime: each gauge keeps recent observations at full resolution
// and merges older ones pairwise into coarser tiers (`history_tier_points` x `history_tiers` points).
// Every member function is thread-safe. Time is seconds on the monitor's clock (steady_clock since the
// monitor was made, unless MonitorOptions::clock says otherwise); observe_at() takes explicit times,
// for replaying recorded samples or for tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "leakscope/export.h"
#include "leakscope/verdict.hpp"

namespace leakscope {

/// What a sampled gauge returns when the monitor asks.
struct GaugeReading {
    double bytes = 0;
    std::optional<double> entries;
};

struct GaugeOptions {
    /// "Sustained high usage" fires when 80% of recent samples are above this many bytes; off when unset.
    std::optional<double> high_usage_bytes;
    /// Where the process (or the cache) fails, for the time-to-limit projection and the severity.
    std::optional<double> limit_bytes;
};

enum class FindingKind { gradual_growth, rapid_growth, sustained_high_usage, periodic_spikes };
LEAKSCOPE_API std::string_view to_string(FindingKind kind);
inline std::ostream& operator<<(std::ostream& out, FindingKind kind) { return out << to_string(kind); }
inline std::string_view format_as(FindingKind kind) { return to_string(kind); }

struct Finding {
    std::string gauge;
    FindingKind kind = FindingKind::gradual_growth;
    Pattern pattern = Pattern::insufficient_data;  ///< the diagnosis engine's pattern for the gauge
    Severity severity = Severity::none;
    double rate_bytes_per_s = 0;    ///< steady growth (gradual), recent growth (rapid), else the steady rate
    double rate_ci_low_bytes_per_s = 0;
    double rate_ci_high_bytes_per_s = 0;
    double usual_rate_bytes_per_s = 0;  ///< rapid growth: the rate before the window
    double baseline_bytes = 0;      ///< mean of the first 25% of samples
    double current_bytes = 0;       ///< latest observation
    std::optional<double> current_entries;
    std::optional<double> period_s;          ///< periodic spikes
    std::optional<double> time_to_limit_s;   ///< when a limit is known and memory grows
    double fraction_above_threshold = 0;     ///< sustained high usage
    double t_s = 0;                 ///< monitor time of the finding
    std::string summary;            ///< what was seen, one sentence
    std::string advice;             ///< what to do about it
};

/// The state of one gauge, for dashboards and status pages.
struct GaugeStatus {
    std::string name;
    double current_bytes = 0;
    std::optional<double> current_entries;
    std::size_t observations = 0;   ///< ever
    std::size_t history_points = 0;  ///< kept now (bounded)
    double first_t_s = 0;
    double last_t_s = 0;
    Pattern pattern = Pattern::insufficient_data;  ///< at the last analysis
    bool leak = false;
    double steady_rate_bytes_per_s = 0;
    std::vector<Finding> active;    ///< findings whose condition still holds
};

struct MonitorOptions {
    double sample_interval_s = 30;     ///< background thread: sampled gauges and RSS
    double analysis_interval_s = 60;   ///< background thread: rules and callbacks
    bool watch_rss = true;             ///< the built-in gauge "process.rss"
    GaugeOptions rss;                  ///< thresholds for the RSS gauge
    /// Observations closer together than this merge into one point (mean and peak kept), so a gauge
    /// pushed on every cache operation does not flush its history within seconds.
    double coalesce_s = 1.0;
    std::size_t history_tier_points = 256;  ///< points per tier
    std::size_t history_tiers = 8;          ///< tier k holds points that merge 2^k observations

    // The rules.
    std::size_t min_points = 12;            ///< no finding on fewer points
    double baseline_fraction = 0.25;        ///< the first 25% of samples give the baseline
    double rapid_window_s = 300;            ///< "within 5 minutes"
    double rapid_factor = 3;                ///< "3x the normal rate"
    /// Rapid growth must also add at least this fraction of the baseline within the window, so a flat
    /// gauge that wobbles by a few bytes is not "infinitely faster than usual".
    double rapid_min_growth_fraction = 0.05;
    double high_usage_fraction = 0.8;       ///< "80% of samples above the threshold"
    double high_usage_window_s = 3600;      ///< ... among the samples of the last hour
    /// Practical significance, relative to the gauge: steady growth is reported as gradual growth once,
    /// over the time the gauge was watched in steady state, it has added this fraction of the gauge's
    /// level and this many times its noise (so a 465 MB RSS leaking 500 B/s is found after ~2.6 h, and
    /// a gauge of 100 sessions leaking one a minute within minutes). The severity grows with how far
    /// past that the growth is, so a slightly faster leak is never suddenly critical.
    double practical_growth_fraction = 0.01;
    double practical_growth_noise_multiple = 3;
    /// And it must be faster than both of these: an absolute floor (off by default: bytes/s mean
    /// nothing to a gauge of entries) and a fraction of the gauge's size per hour (lower than the
    /// engine's default of 0.001 because a monitor watches for weeks: 0.0001/h is still 1% every four days).
    double practical_floor_bytes_per_s = 0;
    double practical_floor_fraction_per_hour = 0.0001;

    /// Monotonic seconds. Empty: steady_clock, 0 when the monitor is made.
    std::function<double()> clock;
};

namespace detail {
struct GaugeState;
struct MonitorCore;
}  // namespace detail

/// A handle to one gauge; cheap to copy, valid while its Monitor lives.
class LEAKSCOPE_API Gauge {
public:
    Gauge() = default;
    /// Records the gauge's value now (monitor clock).
    void observe(double bytes) const;
    void observe(double bytes, double entries) const;
    /// Records the value at monitor time t_s. Times must not go backwards: an earlier time merges into
    /// the latest point.
    void observe_at(double t_s, double bytes, std::optional<double> entries = std::nullopt) const;
    const std::string& name() const;
    explicit operator bool() const { return state_ != nullptr; }

private:
    friend struct detail::MonitorCore;
    explicit Gauge(detail::GaugeState* state) : state_(state) {}
    detail::GaugeState* state_ = nullptr;
};

class LEAKSCOPE_API Monitor {
public:
    explicit Monitor(MonitorOptions options = {});
    ~Monitor();  ///< stops the background thread
    Monitor(const Monitor&) = delete;
    Monitor& operator=(const Monitor&) = delete;

    /// The gauge of that name, made on first use; the application pushes its values. Asking again for
    /// a name returns the same gauge, with the options (and sampler) it was made with. Throws
    /// std::invalid_argument for an empty name.
    Gauge gauge(std::string_view name, GaugeOptions options = {});
    /// A gauge the background thread samples (and sample_now()). The sampler runs on that thread and
    /// should return quickly; one that throws loses that sample only.
    Gauge gauge(std::string_view name, std::function<GaugeReading()> sampler, GaugeOptions options = {});

    /// Called once per new finding: when a rule starts to hold for a gauge, or its severity rises.
    /// Runs on the thread that analyses (the background thread, or the caller of analyze_now()).
    void on_finding(std::function<void(const Finding&)> callback);

    void start();  ///< starts the background thread (no-op when running)
    void stop();   ///< stops and joins it (no-op when stopped)
    bool running() const;

    /// Samples RSS and every sampled gauge once, now.
    void sample_now();
    /// Runs the diagnosis and the rules on every gauge now; returns the new findings (after calling
    /// the callback with each).
    std::vector<Finding> analyze_now();
    std::vector<GaugeStatus> status() const;
    /// Seconds on the monitor's clock.
    double now() const;

private:
    std::unique_ptr<detail::MonitorCore> core_;
};

}  // namespace leakscope
