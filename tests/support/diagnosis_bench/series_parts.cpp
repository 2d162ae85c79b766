#include "diagnosis_bench/series_parts.hpp"

#include <algorithm>
#include <cstdio>

namespace leakscope::diagnosis::synthetic::detail {

Setting draw_setting(Rng& rng, const GeneratorOptions& options) {
    Setting s;
    s.n = static_cast<std::size_t>(std::lround(rng.log_uniform(static_cast<double>(options.min_samples), static_cast<double>(options.max_samples))));
    s.dt = rng.log_uniform(0.1, 30.0);
    s.size = rng.log_uniform(16 * kMiB, 4096 * kMiB);
    s.sigma = s.size * rng.log_uniform(2e-4, 4e-3);
    s.phi = rng.chance(0.7) ? rng.uniform(0.0, 0.9) : 0.0;
    if (rng.chance(0.5)) {
        s.outlier_rate = rng.uniform(0.001, 0.01);
        s.outlier_size = s.size * rng.log_uniform(0.01, 0.1);
    }
    if (rng.chance(0.3)) {
        s.gc_amplitude = s.size * rng.log_uniform(5e-4, 3e-3);
        s.gc_period = rng.integer(3, 20);
    }
    if (rng.chance(0.3)) s.quantum = std::min(rng.log_uniform(4096.0, kMiB), 2 * s.sigma);  // allocator steps at noise scale
    s.irregular = rng.chance(0.5);
    if (rng.chance(0.3)) s.missing_rate = rng.uniform(0.01, 0.1);
    if (rng.chance(0.2)) s.gap_fraction = rng.uniform(0.01, 0.05);
    return s;
}

void ensure_detectable(Setting& s, double rate, double steady_share, const GeneratorOptions& options, double extra_sigma) {
    const double noise = std::hypot(s.sigma, extra_sigma);
    // Autocorrelated noise carries less information: with n_eff = n (1 - phi)/(1 + phi) independent
    // points a least-squares slope has z = (growth / sigma) * sqrt(n_eff / 12); ask for z >= 4 too.
    const double n_eff = std::max(2.0, static_cast<double>(s.n) * steady_share * (1 - s.phi) / (1 + s.phi));
    const double sigmas = std::max(options.min_growth_in_sigmas, options.min_trend_z * std::sqrt(12.0 / n_eff));
    const double needed_s = sigmas * noise / rate / steady_share;
    if (s.duration() < needed_s) s.dt = std::min(3600.0, needed_s / static_cast<double>(s.n));
    const double growth = rate * s.duration() * steady_share;
    if (growth < sigmas * noise) s.sigma = std::max(0.0, growth / sigmas - extra_sigma);
    s.quantum = std::min(s.quantum, 2 * s.sigma);
}

double leak_rate(Rng& rng, double size, const GeneratorOptions& options) {
    const double per_hour = rng.log_uniform(0.001, 0.5);
    return std::max(per_hour * size / 3600.0, options.min_leak_bytes_per_s);
}

std::vector<double> sample_times(Rng& rng, const Setting& s) {
    std::vector<double> t;
    t.reserve(s.n);
    double now = rng.uniform(0, s.dt);
    const std::size_t gap_start = static_cast<std::size_t>(rng.uniform(0.1, 0.8) * static_cast<double>(s.n));
    const std::size_t gap_end = gap_start + static_cast<std::size_t>(s.gap_fraction * static_cast<double>(s.n));
    for (std::size_t i = 0; i < s.n; ++i) {
        now += s.irregular ? s.dt * rng.uniform(0.7, 1.3) : s.dt;
        if (i >= gap_start && i < gap_end) continue;
        if (s.missing_rate > 0 && rng.chance(s.missing_rate)) continue;
        t.push_back(now);
    }
    return t;
}

std::vector<double> add_noise(Rng& rng, const Setting& s, const std::vector<double>& t, const Signal& signal, double sigma_scale) {
    std::vector<double> value(t.size());
    double ar = rng.normal() * s.sigma * sigma_scale;
    const double innovation = std::sqrt(1 - s.phi * s.phi) * s.sigma * sigma_scale;
    for (std::size_t i = 0; i < t.size(); ++i) {
        ar = s.phi * ar + innovation * rng.normal();
        double v = signal(t[i]) + ar;
        if (s.gc_period > 0) v += s.gc_amplitude * static_cast<double>(i % static_cast<std::size_t>(s.gc_period)) / s.gc_period;
        if (s.outlier_rate > 0 && rng.chance(s.outlier_rate)) v += s.outlier_size * rng.uniform(0.5, 1.0);
        if (s.quantum > 0) v = std::round(v / s.quantum) * s.quantum;
        value[i] = std::max(v, 0.0);
    }
    return value;
}


ProcessSeries observe(Rng& rng, const Setting& s, const Signal& signal, double with_heap_share) {
    ProcessSeries out;
    const std::vector<double> t = sample_times(rng, s);
    const bool with_heap = rng.chance(with_heap_share);
    std::vector<double> value = add_noise(rng, s, t, signal);
    if (with_heap) {
        const double overhead = s.size * rng.uniform(0.05, 0.3);
        Setting rss_noise = s;
        rss_noise.outlier_rate = 0;
        rss_noise.gc_period = 0;
        std::vector<double> extra = add_noise(rng, rss_noise, t, [overhead](double) { return overhead; }, 0.3);
        out.rss = Series{t, {}, {}, {}};
        out.rss.value.resize(t.size());
        for (std::size_t i = 0; i < t.size(); ++i) out.rss.value[i] = value[i] + extra[i];
        out.live_heap = Series{t, std::move(value), {}, {}};
    } else {
        out.rss = Series{t, std::move(value), {}, {}};
    }
    return out;
}

std::string setting_text(const Setting& s, const ProcessSeries& series) {
    char text[200];
    std::snprintf(text, sizeof text, " | n=%zu dt=%.3g size=%.3g sigma=%.3g phi=%.2f outliers=%.3f gc=%d quantum=%.3g irregular=%d heap=%d",
                  series.rss.t_s.size(), s.dt, s.size, s.sigma, s.phi, s.outlier_rate, s.gc_period, s.quantum, s.irregular,
                  series.live_heap.has_value());
    return text;
}

WarmupShape draw_warmup(Rng& rng, const Setting& s, double max_share) {
    WarmupShape w;
    w.bytes = s.size * rng.log_uniform(0.03, 1.0);
    w.end_s = std::max(s.duration() * rng.uniform(0.03, max_share), 3 * s.dt);  // visible in >= 3 samples
    w.kind = rng.integer(0, 2);
    // Saturation to within half a sigma by end_s (the curve is rescaled to reach `bytes` exactly).
    w.tau = w.end_s / std::max(1.0, std::log(2 * w.bytes / std::max(s.sigma, 1.0)));
    if (w.kind == 2) {
        const int steps = rng.integer(1, 4);
        double total = 0;
        for (int k = 0; k < steps; ++k) {
            w.step_times.push_back(k == 0 ? 0.0 : rng.uniform(0, w.end_s));
            w.step_sizes.push_back(rng.uniform(0.5, 1.5));
            total += w.step_sizes.back();
        }
        w.step_times.back() = std::max(w.step_times.back(), 0.0);
        *std::max_element(w.step_times.begin(), w.step_times.end()) = w.end_s;  // the last one ends it
        for (double& size : w.step_sizes) size *= w.bytes / total;
    }
    return w;
}

}  // namespace leakscope::diagnosis::synthetic::detail
