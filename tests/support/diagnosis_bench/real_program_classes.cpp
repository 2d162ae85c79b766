// The failure classes issue 11 saw on real programs, as labelled synthetic series. Each reproduces the
// mechanism (a leak that starts late, a vector's capacity doublings, allocator pages touched one by
// one, a cache filling ever more slowly, the process exiting) over the same clock and noise as the
// pattern generators, so the accuracy benchmark and the invariant tests cover them too.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "diagnosis_bench/series_parts.hpp"
#include "diagnosis_bench/synthetic.hpp"

namespace leakscope::diagnosis::synthetic {
using namespace detail;

namespace {

constexpr double kPage = 4096;

// Flat, then a steady leak from an onset at 20-70% of the run; the heap carries it and RSS follows.
LabelledSeries late_onset(Rng& rng, Setting s, const GeneratorOptions& options) {
    LabelledSeries out;
    const double base = s.size;
    const double onset_share = rng.uniform(0.2, 0.7);
    const double rate = leak_rate(rng, base, options);
    ensure_detectable(s, rate, 1 - onset_share, options);
    const double onset = onset_share * s.duration();
    out.series = observe(rng, s, [base, onset, rate](double t) { return base + rate * std::max(0.0, t - onset); }, 1.0);
    out.pattern = Pattern::linear_growth;
    out.leak = true;
    out.true_rate_bytes_per_s = rate;
    out.warmup_end_s = onset;
    out.size_bytes = base;
    char text[160];
    std::snprintf(text, sizeof text, "late onset at %.0f%% of the run, rate=%.3g", 100 * onset_share, rate);
    out.description = text + setting_text(s, out.series);
    return out;
}

// A journal appended to one std::vector at `rate`: its capacity doubles whenever the size reaches it
// (geometrically spaced times), so the live heap rises in steps, while RSS rises linearly as the
// appends touch the reserved pages.
LabelledSeries capacity_doubling(Rng& rng, Setting s, const GeneratorOptions& options) {
    LabelledSeries out;
    const double base = s.size;
    const double rate = leak_rate(rng, base, options);
    ensure_detectable(s, rate, 1.0, options);
    s.quantum = kPage;  // RSS counts pages
    const double duration = s.duration();
    const int doublings = rng.integer(3, 7);
    const double last_at = duration * rng.uniform(0.6, 0.95);
    const double full = rng.uniform(0.5, 1.0);  // the vector starts this full
    // The last doubling happens at last_at: size(t) = full*C0 + rate*t reaches C0*2^(doublings-1) then.
    const double c0 = rate * last_at / (std::ldexp(1.0, doublings - 1) - full);
    std::vector<double> doubling_times;
    for (int j = 0; j < doublings; ++j) doubling_times.push_back((c0 * std::ldexp(1.0, j) - full * c0) / rate);
    const double other_heap = base * rng.uniform(0.3, 0.8);
    const double overhead = base - other_heap;
    const Signal heap = [other_heap, c0, doubling_times](double t) {
        const auto passed = std::upper_bound(doubling_times.begin(), doubling_times.end(), t) - doubling_times.begin();
        return other_heap + c0 * std::ldexp(1.0, static_cast<int>(passed));
    };
    const Signal rss = [other_heap, overhead, c0, full, rate](double t) { return other_heap + overhead + full * c0 + rate * t; };
    const std::vector<double> t = sample_times(rng, s);
    Setting heap_noise = s;
    heap_noise.quantum = 0;
    out.series.live_heap = Series{t, add_noise(rng, heap_noise, t, heap), {}, {}};
    Setting rss_noise = s;
    rss_noise.outlier_rate = 0;
    out.series.rss = Series{t, add_noise(rng, rss_noise, t, rss, 0.5), {}, {}};
    out.pattern = Pattern::staircase_growth;
    out.also_right = Pattern::linear_growth;
    out.leak = true;
    out.true_rate_bytes_per_s = rate;
    out.size_bytes = base;
    char text[160];
    std::snprintf(text, sizeof text, "capacity doubling x%d from %.3g, append rate=%.3g, last at %.0f%%", doublings, c0, rate,
                  100 * last_at / duration);
    out.description = text + setting_text(s, out.series);
    return out;
}

// A flat program (a churn loop, a truncated deque, an idle service) whose RSS creeps page by page
// after its warm-up as the allocator touches pages of its arenas for the first time: a few pages per
// second at first, levelling off once the arenas are touched. RSS only (what `attach` sees).
LabelledSeries page_creep(Rng& rng, Setting s) {
    LabelledSeries out;
    const double base = s.size;
    s.outlier_rate = 0;
    s.gc_period = 0;
    s.sigma = kPage * rng.log_uniform(0.5, 20);
    s.quantum = kPage;
    const double pages = std::max(20.0, std::min(rng.log_uniform(100, 20'000), 0.05 * base / kPage));
    const double pages_per_s = rng.uniform(1, 8);
    const double tau = pages / pages_per_s;
    // The run lasts long enough for the creep to level off: 4-8 time constants after the warm-up.
    const double needed = rng.uniform(4, 8) * tau / 0.7;
    if (s.duration() < needed) s.dt = needed / static_cast<double>(s.n);
    const WarmupShape w = draw_warmup(rng, s, 0.3);
    const Signal signal = [base, w, pages, tau](double t) {
        const double touched = t > w.end_s ? std::floor(pages * (1 - std::exp(-(t - w.end_s) / tau))) : 0.0;
        return base + w(t) + kPage * touched;
    };
    const std::vector<double> t = sample_times(rng, s);
    out.series.rss = Series{t, add_noise(rng, s, t, signal), {}, {}};
    out.pattern = Pattern::warmup_plateau;
    out.leak = false;
    out.warmup_bytes = w.bytes + pages * kPage;
    out.warmup_end_s = w.end_s + 3 * tau;
    out.size_bytes = base + out.warmup_bytes;
    char text[160];
    std::snprintf(text, sizeof text, "page creep %.0f pages at %.1f pages/s (tau %.3g s) after warmup=%.3g end=%.3g", pages,
                  pages_per_s, tau, w.bytes, w.end_s);
    out.description = text + setting_text(s, out.series);
    return out;
}

// A cache filling from t=0 with a fill rate that halves every 1-3 s, sampled at 2-10 Hz for 5-15
// half-lives: the tail still rises, ever more slowly. Half the runs are noise-free (a quiet program
// whose RSS moves in whole pages).
LabelledSeries saturating_warmup(Rng& rng, Setting s, const GeneratorOptions& options) {
    LabelledSeries out;
    const double base = s.size;
    const double half_life = rng.uniform(1, 3);
    const double half_lives = rng.uniform(5, 15);
    const double duration = half_life * half_lives;
    s.n = std::max<std::size_t>(30, static_cast<std::size_t>(duration / rng.uniform(0.1, 0.5)));
    s.dt = duration / static_cast<double>(s.n);
    const double bytes = base * rng.log_uniform(0.1, 2.0);
    const bool noisy = rng.chance(0.5);
    if (noisy) {
        s.sigma = std::min(s.sigma, bytes / 30);
        s.outlier_size = std::min(s.outlier_size, bytes / 10);
        s.gc_amplitude = std::min(s.gc_amplitude, bytes / 30);
        s.quantum = std::min(s.quantum, 2 * s.sigma);
    } else {
        s.sigma = s.phi = s.outlier_rate = s.gc_amplitude = 0;
        s.gc_period = 0;
        s.quantum = kPage;
    }
    out.series = observe(rng, s, [base, bytes, half_life](double t) { return base + bytes * (1 - std::exp2(-t / half_life)); },
                         options.with_heap_share);
    out.pattern = Pattern::warmup_plateau;
    out.leak = false;
    out.warmup_bytes = bytes;
    out.warmup_end_s = 5 * half_life;  // within 3% of the plateau
    out.size_bytes = base + bytes;
    char text[160];
    std::snprintf(text, sizeof text, "saturating warmup %.3g bytes, half-life %.2f s over %.1f half-lives, %s", bytes, half_life,
                  half_lives, noisy ? "noisy" : "noise-free");
    out.description = text + setting_text(s, out.series);
    return out;
}

// Any generated pattern, then the process exits: its last 1-3 samples fall by 30-90% in all.
LabelledSeries teardown(Rng& rng, const GeneratorOptions& options) {
    const Pattern before = kGeneratedPatterns[rng.integer(0, static_cast<int>(std::size(kGeneratedPatterns)) - 1)];
    LabelledSeries out = generate(before, rng.next(), options);
    const int samples = rng.integer(1, 3);
    const double drop = rng.uniform(0.3, 0.9);
    auto fall = [samples, drop](Series& series) {
        const std::size_t n = series.value.size();
        for (int j = 1; j <= samples && static_cast<std::size_t>(j) <= n; ++j)
            series.value[n - static_cast<std::size_t>(samples) + static_cast<std::size_t>(j) - 1] *= 1 - drop * j / samples;
    };
    fall(out.series.rss);
    if (out.series.live_heap) fall(*out.series.live_heap);
    char text[96];
    std::snprintf(text, sizeof text, "teardown of %d samples by %.0f%% after: ", samples, 100 * drop);
    out.description = text + out.description;
    return out;
}

}  // namespace

std::string_view to_string(RealProgramClass kind) {
    switch (kind) {
        case RealProgramClass::late_onset: return "late_onset";
        case RealProgramClass::capacity_doubling: return "capacity_doubling";
        case RealProgramClass::page_creep: return "page_creep";
        case RealProgramClass::saturating_warmup: return "saturating_warmup";
        case RealProgramClass::teardown: return "teardown";
    }
    return "unknown";
}

LabelledSeries generate(RealProgramClass kind, std::uint64_t seed, const GeneratorOptions& options) {
    // Top byte 0x40+: never one of the patterns' streams (their top byte is the Pattern, < 9). The seed
    // is hashed first: splitmix64 seeded with consecutive values gives the same stream shifted by one
    // draw, which would make consecutive seeds share their parameters.
    Rng rng(Rng(seed ^ ((0x40ULL + static_cast<std::uint64_t>(kind)) << 56)).next());
    const Setting s = draw_setting(rng, options);
    switch (kind) {
        case RealProgramClass::late_onset: return late_onset(rng, s, options);
        case RealProgramClass::capacity_doubling: return capacity_doubling(rng, s, options);
        case RealProgramClass::page_creep: return page_creep(rng, s);
        case RealProgramClass::saturating_warmup: return saturating_warmup(rng, s, options);
        case RealProgramClass::teardown: return teardown(rng, options);
    }
    throw std::invalid_argument("synthetic::generate: unknown real-program class");
}

}  // namespace leakscope::diagnosis::synthetic
