// Shapes of growth that one straight line misreads: a warm-up still settling (growth that keeps
// slowing down toward a level) and growth that began late (flat, then a steady climb). A line through
// the first calls the slow tail a leak; a line through the second halves the rate of a real one.
#pragma once

#include <cstddef>
#include <span>

namespace leakscope::diagnosis::detail {

/// y(t) = asymptote - rise * exp(-(t - t0) / tau), fitted by least squares (tau by search).
struct Saturation {
    bool detected = false;   ///< decelerates clearly and the curve fits far better than a line
    double asymptote = 0;    ///< where it levels off
    double rise = 0;         ///< asymptote - value at t0
    double tau_s = 0;
    double t0_s = 0;
    double done_fraction = 0;  ///< share of the rise reached by the last point
};

/// The fitted curve, asymptote - rise * exp(-(t - t0) / tau), and its slope at t.
double saturation_level_at(const Saturation& curve, double t_s);
double saturation_rate_at(const Saturation& curve, double t_s);

/// x, y: the floor of the growth (warm-up and steady part), oldest first.
Saturation fit_saturation(std::span<const double> x, std::span<const double> y, double confidence);

/// Growth that slows down within the steady part, clearly but not yet enough to prove a curve that
/// levels off (fit_saturation): the tail of a warm-up and a slow leak after one cannot be told apart yet.
struct Slowing {
    bool detected = false;
    double first_slope = 0;  ///< bytes/s over the first third
    double last_slope = 0;   ///< bytes/s over the last third
    double tau_s = 0;        ///< the e-folding time of the pace, were it exponential
};

/// x, y: the steady part, oldest first. Needs at least 15 points.
Slowing find_slowing(std::span<const double> x, std::span<const double> y, double confidence);

/// A steady part that keeps slowing down but is too short to prove a curve levelling off on its own
/// (fit_saturation over it), judged with the warm-up before it: x, y from the series' start, the steady
/// part from `steady_from_s`. Detected when one saturating curve fits the whole climb (after any leading
/// exec jumps) and explains the steady part: what is left of it about that curve has no trend of its
/// own. A warm-up followed by a slow leak fails there, the curve levelling off while the leak climbs on.
Saturation fit_saturation_through_steady_part(std::span<const double> x, std::span<const double> y, double steady_from_s,
                                              double confidence);

/// Growth that slowed down once and then kept one pace: a warm-up's fast fill ending in a steady
/// climb (a leak running from the start under it), not a tail that keeps bending toward a level.
struct Knee {
    bool detected = false;
    std::size_t index = 0;  ///< first point of the steady pace
    double fill_rate = 0;   ///< bytes/s before it (after any leading exec jumps): the warm-up's fill
};

/// x, y: the steady part, oldest first. Needs at least 20 points.
Knee find_knee(std::span<const double> x, std::span<const double> y, double confidence);

/// Growth that began at `index`: before it the series is flat, after it a steady line.
struct Onset {
    bool detected = false;
    std::size_t index = 0;  ///< first point of the climb
};

/// x, y: the steady part, oldest first. Needs at least 20 points.
Onset find_onset(std::span<const double> x, std::span<const double> y, double confidence);

}  // namespace leakscope::diagnosis::detail
