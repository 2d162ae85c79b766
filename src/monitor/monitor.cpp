// leakscope::Monitor and leakscope::Gauge: thin public shells over MonitorCore.
#include <chrono>
#include <stdexcept>

#include "leakscope/monitor.hpp"
#include "monitor/monitor_core.hpp"
#include "monitor/process_rss.hpp"

namespace leakscope::detail {

namespace {

std::function<double()> steady_clock_from_now() {
    const auto origin = std::chrono::steady_clock::now();
    return [origin] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin).count(); };
}

constexpr const char* kRssGauge = "process.rss";

}  // namespace

MonitorCore::MonitorCore(MonitorOptions options_) : options(std::move(options_)) {
    clock = options.clock ? options.clock : steady_clock_from_now();
    if (options.watch_rss) rss = &gauge(kRssGauge, options.rss, {});
}

GaugeState& MonitorCore::gauge(std::string_view name, GaugeOptions gauge_options,
                               std::function<GaugeReading()> sampler) {
    if (name.empty()) throw std::invalid_argument("leakscope::Monitor: a gauge needs a name");
    std::lock_guard lock(registry_mutex);
    for (const auto& existing : gauges)
        if (existing->name == name) return *existing;
    gauges.push_back(std::make_unique<GaugeState>(std::string(name), gauge_options, std::move(sampler), options, clock));
    return *gauges.back();
}

std::vector<GaugeState*> MonitorCore::all_gauges() const {
    std::lock_guard lock(registry_mutex);
    std::vector<GaugeState*> all;
    all.reserve(gauges.size());
    for (const auto& g : gauges) all.push_back(g.get());
    return all;
}

void MonitorCore::sample_now() {
    for (GaugeState* g : all_gauges()) {
        if (g == rss) {
            if (const auto bytes = process_rss_bytes()) g->record(clock(), *bytes, std::nullopt);
            continue;
        }
        if (!g->sampler) continue;
        try {
            const GaugeReading reading = g->sampler();
            g->record(clock(), reading.bytes, reading.entries);
        } catch (...) {
            // A failing sampler loses this sample only; the monitor must not take the service down.
        }
    }
}

std::vector<Finding> MonitorCore::analyze_now() {
    std::vector<Finding> fresh;
    {
        std::lock_guard analysis_lock(analysis_mutex);
        for (GaugeState* g : all_gauges()) {
            std::vector<HistoryPoint> points;
            {
                std::lock_guard lock(g->mutex);
                points = g->history.points();
            }
            g->last = analyze_gauge(g->name, points, options, g->options);
            std::array<Severity, 4> holding{};
            for (const Finding& f : g->last.findings) {
                const auto kind = static_cast<std::size_t>(f.kind);
                holding[kind] = f.severity;
                // New: the rule did not hold at the last analysis, or holds more severely now.
                if (static_cast<int>(f.severity) > static_cast<int>(g->reported[kind])) fresh.push_back(f);
            }
            // A rule that stopped holding is forgotten, so it is reported again if it comes back; one
            // that still holds keeps its highest reported severity, so it is not repeated when it wavers.
            for (std::size_t kind = 0; kind < holding.size(); ++kind)
                g->reported[kind] = holding[kind] == Severity::none
                                        ? Severity::none
                                        : std::max(holding[kind], g->reported[kind],
                                                   [](Severity a, Severity b) { return static_cast<int>(a) < static_cast<int>(b); });
        }
    }
    std::function<void(const Finding&)> call;
    {
        std::lock_guard lock(callback_mutex);
        call = callback;
    }
    if (call)
        for (const Finding& f : fresh) call(f);
    return fresh;
}

std::vector<GaugeStatus> MonitorCore::status() const {
    std::vector<GaugeStatus> all;
    std::lock_guard analysis_lock(analysis_mutex);
    for (GaugeState* g : all_gauges()) {
        GaugeStatus s;
        s.name = g->name;
        {
            std::lock_guard lock(g->mutex);
            s.observations = g->history.observations();
            s.history_points = g->history.size();
            if (!g->history.empty()) {
                const HistoryPoint& newest = g->history.newest();
                s.current_bytes = newest.value_last;
                if (newest.entries_count > 0) s.current_entries = newest.entries_last;
                s.last_t_s = newest.t_last;
                s.first_t_s = g->history.oldest_t();
            }
        }
        s.pattern = g->last.pattern;
        s.leak = g->last.leak;
        s.steady_rate_bytes_per_s = g->last.steady_rate_bytes_per_s;
        s.active = g->last.findings;
        all.push_back(std::move(s));
    }
    return all;
}

void MonitorCore::start() {
    std::lock_guard lock(thread_mutex);
    if (thread.joinable()) return;
    stop_requested = false;
    thread = std::thread([this] { run_background(); });
}

void MonitorCore::stop() {
    std::thread finished;
    {
        std::lock_guard lock(thread_mutex);
        stop_requested = true;
        finished = std::move(thread);
    }
    wake.notify_all();
    if (finished.joinable()) finished.join();
}

void MonitorCore::run_background() {
    using seconds = std::chrono::duration<double>;
    const auto sample_every = seconds(std::max(options.sample_interval_s, 0.001));
    const auto analyse_every = seconds(std::max(options.analysis_interval_s, 0.001));
    auto next_analysis = std::chrono::steady_clock::now() + analyse_every;
    sample_now();
    for (;;) {
        {
            std::unique_lock lock(thread_mutex);
            if (wake.wait_for(lock, sample_every, [this] { return stop_requested; })) return;
        }
        sample_now();
        if (std::chrono::steady_clock::now() >= next_analysis) {
            analyze_now();
            next_analysis = std::chrono::steady_clock::now() + analyse_every;
        }
    }
}

}  // namespace leakscope::detail

namespace leakscope {

void Gauge::observe(double bytes) const {
    if (state_) state_->record(state_->clock(), bytes, std::nullopt);
}

void Gauge::observe(double bytes, double entries) const {
    if (state_) state_->record(state_->clock(), bytes, entries);
}

void Gauge::observe_at(double t_s, double bytes, std::optional<double> entries) const {
    if (state_) state_->record(t_s, bytes, entries);
}

const std::string& Gauge::name() const {
    static const std::string none;
    return state_ ? state_->name : none;
}

Monitor::Monitor(MonitorOptions options) : core_(std::make_unique<detail::MonitorCore>(std::move(options))) {}

Monitor::~Monitor() { core_->stop(); }

Gauge Monitor::gauge(std::string_view name, GaugeOptions options) {
    return detail::MonitorCore::handle(core_->gauge(name, options, {}));
}

Gauge Monitor::gauge(std::string_view name, std::function<GaugeReading()> sampler, GaugeOptions options) {
    return detail::MonitorCore::handle(core_->gauge(name, options, std::move(sampler)));
}

void Monitor::on_finding(std::function<void(const Finding&)> callback) {
    std::lock_guard lock(core_->callback_mutex);
    core_->callback = std::move(callback);
}

void Monitor::start() { core_->start(); }
void Monitor::stop() { core_->stop(); }

bool Monitor::running() const {
    std::lock_guard lock(core_->thread_mutex);
    return core_->thread.joinable() && !core_->stop_requested;
}

void Monitor::sample_now() { core_->sample_now(); }
std::vector<Finding> Monitor::analyze_now() { return core_->analyze_now(); }
std::vector<GaugeStatus> Monitor::status() const { return core_->status(); }
double Monitor::now() const { return core_->clock(); }

}  // namespace leakscope
