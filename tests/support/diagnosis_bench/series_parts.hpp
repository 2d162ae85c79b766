// The parts every generated series shares: a portable RNG, the run's clock and noise (drawn the same
// way for every pattern), the warm-up shapes, and the rule that makes a leak identifiable. Internal to
// the generator (synthetic.cpp for the patterns, real_program_classes.cpp for the real-program classes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "diagnosis_bench/synthetic.hpp"

namespace leakscope::diagnosis::synthetic::detail {

inline constexpr double kMiB = 1024.0 * 1024.0;

// splitmix64 and our own distributions, so a (pattern, seed) gives the same series everywhere.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    double log_uniform(double a, double b) { return std::exp(uniform(std::log(a), std::log(b))); }
    bool chance(double p) { return uniform() < p; }
    int integer(int a, int b) { return a + static_cast<int>(next() % static_cast<std::uint64_t>(b - a + 1)); }
    double normal() {  // Box–Muller
        const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    }

private:
    std::uint64_t state_;
};

using Signal = std::function<double(double)>;

// The run's clock and its noise, drawn the same way for every pattern.
struct Setting {
    std::size_t n = 0;
    double dt = 1;
    double size = 0;   // bytes
    double sigma = 0;  // jitter, bytes
    double phi = 0;    // AR(1) coefficient of the jitter
    double outlier_rate = 0, outlier_size = 0;
    double gc_amplitude = 0;
    int gc_period = 0;
    double quantum = 0;
    bool irregular = false;
    double missing_rate = 0;
    double gap_fraction = 0;
    double duration() const { return static_cast<double>(n) * dt; }
};

Setting draw_setting(Rng& rng, const GeneratorOptions& options);

// Makes sure a leak of `rate` is identifiable: total growth over `steady_s` at least k sigma.
// extra_sigma: noise that sampling adds to the floor on top of the jitter (a sawtooth's tooth rises
// between two samples, so the lowest sample of a tooth lands anywhere in that rise).
void ensure_detectable(Setting& s, double rate, double steady_share, const GeneratorOptions& options, double extra_sigma = 0);

/// A leak rate: 0.1-50% of `size` per hour, at least options.min_leak_bytes_per_s.
double leak_rate(Rng& rng, double size, const GeneratorOptions& options);

/// Sample times: irregular intervals, missing samples and one gap as the setting drew them.
std::vector<double> sample_times(Rng& rng, const Setting& s);

/// Jitter (AR(1), marginal sigma), GC-like small sawtooth, one-sample outliers, quantisation.
std::vector<double> add_noise(Rng& rng, const Setting& s, const std::vector<double>& t, const Signal& signal, double sigma_scale = 1.0);

/// Samples `signal` with the setting's clock and noise. With probability `with_heap_share` the heap
/// carries the signal and RSS adds a fixed overhead with a little noise of its own; else RSS alone.
ProcessSeries observe(Rng& rng, const Setting& s, const Signal& signal, double with_heap_share);

/// The drawn setting, for failure messages: " | n=... dt=... heap=...".
std::string setting_text(const Setting& s, const ProcessSeries& series);

struct WarmupShape {
    double bytes = 0, end_s = 0;
    int kind = 0;  // 0 exponential saturation, 1 ramp, 2 steps
    std::vector<double> step_times, step_sizes;
    double tau = 1;
    double operator()(double t) const {
        if (bytes <= 0) return 0;
        switch (kind) {
            case 0: return t >= end_s ? bytes : bytes * (1 - std::exp(-t / tau)) / (1 - std::exp(-end_s / tau));
            case 1: return bytes * std::min(1.0, t / end_s);
            default: {
                double sum = 0;
                for (std::size_t k = 0; k < step_times.size(); ++k)
                    if (t >= step_times[k]) sum += step_sizes[k];
                return sum;
            }
        }
    }
};

WarmupShape draw_warmup(Rng& rng, const Setting& s, double max_share);

}  // namespace leakscope::diagnosis::synthetic::detail
