// Small robust-statistics helpers shared by the estimators: medians, quantiles, the normal
// distribution, and a noise scale that ignores trends and rare jumps.
#pragma once

#include <span>
#include <vector>

namespace leakscope::diagnosis::detail {

/// Median of the values (copies; NaN-free input expected). 0 for an empty span.
double median(std::span<const double> values);
/// Quantile q in [0,1] with linear interpolation between order statistics (type 7).
double quantile(std::span<const double> values, double q);
/// Median absolute deviation from the median, unscaled.
double median_absolute_deviation(std::span<const double> values);
/// Noise standard deviation from first differences: MAD(diff)/(0.6745*sqrt 2). A trend adds only a
/// constant to the differences and rare steps or drops are outliers to the MAD, so neither inflates it.
double noise_sigma_from_differences(std::span<const double> values);

/// Standard normal cumulative distribution.
double normal_cdf(double z);
/// Its inverse, by bisection (exact to ~1e-12; used a handful of times per diagnosis).
double normal_quantile(double p);

struct LineFit {
    double slope = 0, intercept = 0;
};
/// Ordinary least squares y = intercept + slope * x.
LineFit least_squares(std::span<const double> x, std::span<const double> y);

/// The largest fall from one value to any later one (the series' deepest drawdown); 0 when it never falls.
double largest_fall_back(std::span<const double> values);

/// Autocorrelation of the values around their mean for lags 0..max_lag (acf[0] = 1).
std::vector<double> autocorrelation(std::span<const double> values, std::size_t max_lag);

}  // namespace leakscope::diagnosis::detail
