#include "diagnosis_bench/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "diagnosis_bench/series_parts.hpp"

namespace leakscope::diagnosis::synthetic {
using namespace detail;

LabelledSeries generate(Pattern pattern, std::uint64_t seed, const GeneratorOptions& options) {
    if (pattern == Pattern::insufficient_data) throw std::invalid_argument("synthetic::generate: insufficient_data is not generated");
    Rng rng(seed ^ (static_cast<std::uint64_t>(pattern) << 56));
    Setting s = draw_setting(rng, options);
    LabelledSeries out;
    out.pattern = pattern;
    Signal signal;
    const double base = s.size;
    char text[256];

    switch (pattern) {
        case Pattern::stable: {
            signal = [base](double) { return base; };
            out.size_bytes = base;
            std::snprintf(text, sizeof text, "stable");
            break;
        }
        case Pattern::warmup_plateau: {
            const WarmupShape w = draw_warmup(rng, s, 0.4);
            // Sometimes a tiny ongoing growth, far below the practical floor (the brief's 0.035 KB/step).
            const double drift = rng.chance(0.3) ? std::min((base + w.bytes) * rng.uniform(0, 3e-4) / 3600.0, 20.0) : 0.0;
            signal = [base, w, drift](double t) { return base + w(t) + drift * t; };
            out.warmup_bytes = w.bytes;
            out.warmup_end_s = w.end_s;
            out.size_bytes = base + w.bytes;
            std::snprintf(text, sizeof text, "warmup kind=%d bytes=%.3g end=%.3g drift=%.3g", w.kind, w.bytes, w.end_s, drift);
            break;
        }
        case Pattern::linear_growth: {
            WarmupShape w;
            if (rng.chance(0.3)) w = draw_warmup(rng, s, 0.3);
            out.size_bytes = base + w.bytes;
            const double rate = leak_rate(rng, out.size_bytes, options);
            const double steady_share = 1 - (w.bytes > 0 ? w.end_s / s.duration() : 0);
            ensure_detectable(s, rate, steady_share, options);
            if (w.bytes > 0) w.end_s = s.duration() * (1 - steady_share), w.tau = w.end_s / std::max(1.0, std::log(2 * w.bytes / s.sigma));
            if (w.kind == 2 && w.bytes > 0) {  // rescale step times to the new clock
                const double last = *std::max_element(w.step_times.begin(), w.step_times.end());
                for (double& time : w.step_times) time = last > 0 ? time / last * w.end_s : 0;
            }
            signal = [base, w, rate](double t) { return base + w(t) + rate * t; };
            out.leak = true;
            out.true_rate_bytes_per_s = rate;
            out.warmup_bytes = w.bytes;
            out.warmup_end_s = w.end_s;
            std::snprintf(text, sizeof text, "linear rate=%.3g warmup=%.3g", rate, w.bytes);
            break;
        }
        case Pattern::staircase_growth: {
            out.size_bytes = base;
            double rate = leak_rate(rng, base, options);
            ensure_detectable(s, rate, 1.0, options);
            const double duration = s.duration();
            // Steps big enough to be steps (not noise): at least 8 sigma and 2% of the size.
            const double min_step = std::max(8 * s.sigma, 0.02 * base);
            int steps = rng.integer(3, 12);
            double growth = rate * duration;
            if (growth / steps < 1.5 * min_step) steps = std::max(3, static_cast<int>(growth / (1.5 * min_step)));
            growth = std::max(growth, steps * 1.5 * min_step);
            rate = growth / duration;
            std::vector<double> times, sizes;
            double total = 0;
            for (int k = 0; k < steps; ++k) {
                const double slot = 0.93 / steps;
                times.push_back(duration * (0.05 + slot * (k + rng.uniform(0.1, 0.9))));
                sizes.push_back(rng.log_uniform(0.5, 2.0));
                total += sizes.back();
            }
            double smallest = INFINITY;
            for (double& size : sizes) smallest = std::min(smallest, size *= growth / total);
            if (smallest < min_step) {  // every step must be a step, not noise
                for (double& size : sizes) size *= min_step / smallest;
                growth *= min_step / smallest;
                rate = growth / duration;
            }
            signal = [base, times, sizes](double t) {
                double sum = base;
                for (std::size_t k = 0; k < times.size(); ++k)
                    if (t >= times[k]) sum += sizes[k];
                return sum;
            };
            out.leak = true;
            out.true_rate_bytes_per_s = rate;
            std::snprintf(text, sizeof text, "staircase steps=%d growth=%.3g", steps, growth);
            break;
        }
        case Pattern::accelerating_growth: {
            out.size_bytes = base;
            // The leak rate drawn is the average over the run (what makes it a leak worth calling);
            // the curve bends so that the final slope is `ratio` times the initial one.
            const double mean_rate = leak_rate(rng, base, options);
            const double ratio = rng.uniform(4.0, 20.0);
            const bool exponential = rng.chance(0.5);
            ensure_detectable(s, mean_rate, 1.0, options);
            const double duration = s.duration(), total = mean_rate * duration;
            Signal growth;
            if (exponential) {
                const double k = std::log(ratio), c = total / (ratio - 1);  // c (e^{k t/T} - 1), e^k = ratio
                growth = [c, k, duration](double t) { return c * (std::exp(k * t / duration) - 1); };
            } else {
                const double s0 = total / (duration * (ratio + 1) / 2), a = s0 * (ratio - 1) / (2 * duration);
                growth = [s0, a](double t) { return s0 * t + a * t * t; };
            }
            const double final_rate = (growth(duration) - growth(duration * 0.999)) / (duration * 0.001);
            signal = [base, growth](double t) { return base + growth(t); };
            out.leak = true;
            out.true_rate_bytes_per_s = (growth(duration) - growth(2 * duration / 3)) / (duration / 3);
            std::snprintf(text, sizeof text, "accelerating %s ratio=%.2f final_rate=%.3g", exponential ? "exp" : "quad", ratio, final_rate);
            break;
        }
        case Pattern::bounded_sawtooth: {
            // A history list filled at a steady pace and truncated from its cap to half: the first fill
            // from empty takes two periods, then it cycles between cap/2 and cap.
            const int cycles = rng.integer(4, 30);
            s.n = std::max<std::size_t>(s.n, static_cast<std::size_t>(8 * (cycles + 1)));
            const double period = s.duration() / (cycles + 1);
            const double amplitude = base * rng.log_uniform(0.05, 0.5);
            const bool concave = rng.chance(0.3);
            std::vector<double> cycle_ends{2 * period};
            while (cycle_ends.back() < s.duration() * 1.1) cycle_ends.push_back(cycle_ends.back() + period * rng.uniform(0.9, 1.1));
            const bool leak = rng.chance(0.5);
            double rate = 0;
            if (leak) {
                rate = leak_rate(rng, base + amplitude, options);
                // The lowest sample of a tooth lands a random fraction U of a sample interval into the
                // rise: amplitude*U/spt above the bottom for a linear tooth (sd 1/sqrt 12), and
                // amplitude*sqrt(U/spt) for a concave one (sd of sqrt(U) is 0.236).
                const double samples_per_tooth = static_cast<double>(s.n) / (cycles + 1);
                const double floor_noise = concave ? amplitude * 0.2357 / std::sqrt(samples_per_tooth)
                                                   : amplitude / samples_per_tooth / std::sqrt(12.0);
                ensure_detectable(s, rate, 1.0, options, floor_noise);
                const double scale = s.duration() / ((cycles + 1) * period);  // the clock may have stretched
                for (double& end : cycle_ends) end *= scale;
            }
            const double tooth = period * s.duration() / ((cycles + 1) * period);
            signal = [base, amplitude, cycle_ends, concave, rate, tooth](double t) {
                const auto it = std::upper_bound(cycle_ends.begin(), cycle_ends.end(), t);
                double fill;
                if (it == cycle_ends.begin()) fill = 2 * amplitude * t / cycle_ends.front();
                else {
                    const double start = *(it - 1), end = it == cycle_ends.end() ? start + tooth : *it;
                    double phase = std::clamp((t - start) / std::max(end - start, 1e-9), 0.0, 1.0);
                    if (concave) phase = std::sqrt(phase);
                    fill = amplitude * (1 + phase);
                }
                return base + fill + rate * t;
            };
            out.leak = leak;
            out.true_rate_bytes_per_s = rate;
            out.warmup_bytes = amplitude;
            out.warmup_end_s = cycle_ends.front();
            out.size_bytes = base + amplitude;
            std::snprintf(text, sizeof text, "sawtooth cycles=%d amplitude=%.3g concave=%d rate=%.3g", cycles, amplitude, concave, rate);
            break;
        }
        case Pattern::periodic_spikes: {
            const int cycles = rng.integer(4, 40);
            s.n = std::max<std::size_t>(s.n, static_cast<std::size_t>(10 * cycles));
            const double amplitude = base * rng.log_uniform(0.05, 1.0);
            const double width_share = rng.uniform(0.05, 0.25);
            const bool leak = rng.chance(0.5);
            double rate = 0;
            if (leak) {
                rate = leak_rate(rng, base, options);
                ensure_detectable(s, rate, 1.0, options);
            }
            const double period = s.duration() / cycles;
            const double width = std::max(width_share * period, 2.5 * s.dt);
            std::vector<double> starts;
            for (double start = rng.uniform(0, period); start < s.duration(); start += period * rng.uniform(0.95, 1.05)) starts.push_back(start);
            signal = [base, amplitude, width, starts, rate](double t) {
                const auto it = std::upper_bound(starts.begin(), starts.end(), t);
                double spike = 0;
                if (it != starts.begin()) {
                    const double into = t - *(it - 1);
                    const double edge = 0.15 * width;  // allocation and release take a little time
                    if (into < width) spike = amplitude * std::min({1.0, into / edge, (width - into) / edge});
                }
                return base + spike + rate * t;
            };
            out.leak = leak;
            out.true_rate_bytes_per_s = rate;
            out.size_bytes = base;
            std::snprintf(text, sizeof text, "spikes cycles=%d amplitude=%.3g width=%.2f rate=%.3g", cycles, amplitude, width_share, rate);
            break;
        }
        case Pattern::fragmentation: {
            // The live heap is stable or warms up; RSS = heap + fixed overhead + what the allocator retains.
            WarmupShape w;
            if (rng.chance(0.5)) w = draw_warmup(rng, s, 0.3);
            const double overhead = base * rng.uniform(0.05, 0.3);
            out.size_bytes = base + w.bytes + overhead;
            const double rate = leak_rate(rng, out.size_bytes, options);
            ensure_detectable(s, rate, 1.0, options);
            const double duration = s.duration();
            if (w.bytes > 0) {
                w.end_s = std::min(w.end_s, 0.3 * duration);
                w.tau = w.end_s / std::max(1.0, std::log(2 * w.bytes / s.sigma));
                if (w.kind == 2) {
                    const double last = *std::max_element(w.step_times.begin(), w.step_times.end());
                    for (double& time : w.step_times) time = last > 0 ? time / last * w.end_s : 0;
                }
            }
            const int kind = rng.integer(0, 1);  // linear retention or slowly saturating (sqrt)
            const Signal heap = [base, w](double t) { return base + w(t); };
            const Signal retained = [kind, rate, duration](double t) {
                return kind == 0 ? rate * t : rate * duration * std::sqrt(std::max(t, 0.0) / duration);
            };
            const std::vector<double> t = sample_times(rng, s);
            Series heap_series{t, add_noise(rng, s, t, heap), {}, {}};
            Setting rss_noise = s;
            rss_noise.outlier_rate = 0;
            Series rss{t, add_noise(rng, rss_noise, t, [heap, retained, overhead](double time) { return heap(time) + overhead + retained(time); }, 0.5), {}, {}};
            for (std::size_t i = 0; i < t.size(); ++i) rss.value[i] = std::max(rss.value[i], heap_series.value[i]);
            // The allocator's own figures (mallinfo2 is exact, no noise): what it keeps free grows with
            // the retention, and its footprint is the heap plus that.
            Series kept_free{t, {}, {}, {}}, footprint{t, {}, {}, {}};
            for (std::size_t i = 0; i < t.size(); ++i) {
                kept_free.value.push_back(0.02 * base + retained(t[i]));
                footprint.value.push_back(heap(t[i]) + 0.02 * base + retained(t[i]));
            }
            out.series.rss = std::move(rss);
            out.series.live_heap = std::move(heap_series);
            out.series.allocator_free = std::move(kept_free);
            out.series.allocator_footprint = std::move(footprint);
            out.leak = false;
            out.true_rate_bytes_per_s = kind == 0 ? rate : (retained(duration) - retained(2 * duration / 3)) / (duration / 3);
            out.warmup_bytes = w.bytes;
            out.warmup_end_s = w.end_s;
            std::snprintf(text, sizeof text, "fragmentation retained=%s rate=%.3g warmup=%.3g", kind == 0 ? "linear" : "sqrt", rate, w.bytes);
            out.description = text;
            return out;
        }
        case Pattern::insufficient_data: break;
    }

    out.series = observe(rng, s, signal, options.with_heap_share);
    out.description = std::string(text) + setting_text(s, out.series);
    return out;
}

}  // namespace leakscope::diagnosis::synthetic
