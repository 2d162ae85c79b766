// Mann–Kendall trend test (Mann 1945, Kendall 1975) with the Hamed–Rao (1998) variance correction
// for autocorrelated series: the variance of S is multiplied by n/n*, estimated from the significant
// autocorrelations of the ranks of the Sen-detrended series.
#pragma once

#include <span>

namespace leakscope::diagnosis {

struct TrendTest {
    double s = 0;                 ///< Kendall's S
    double variance = 0;          ///< Var(S) used for z (tie-corrected, then Hamed–Rao corrected)
    double variance_independent = 0;  ///< tie-corrected Var(S) before the autocorrelation correction
    double correction_factor = 1;     ///< n/n* (1 when not applied)
    double z = 0;
    double p_value = 1;           ///< two-sided
};

struct MannKendallOptions {
    bool hamed_rao = true;
    /// Lags whose rank autocorrelation lies inside +-z(1-alpha/2)/sqrt(n) count as zero.
    double lag_significance = 0.05;
    /// Keep n/n* >= 1: negative autocorrelation would otherwise shrink the variance and make the test
    /// bolder than the independent one; for a leak detector a false alarm costs more than a late call.
    bool never_below_independent = true;
    /// Never correct less than an AR(1) process with ar1_from_differences(y) would need.
    bool ar1_floor = true;
};

/// AR(1) coefficient of the noise, from the lag-1 autocorrelation of the first differences (steps,
/// i.e. differences beyond 5 robust sigma, left out). In [0, 0.98].
double ar1_from_differences(std::span<const double> y);

/// O(n^2): callers aggregate long series first (diagnose() works on at most ~2000 points).
/// x (times) is used only to detrend for the Hamed–Rao correction; pass the sample times.
TrendTest mann_kendall(std::span<const double> x, std::span<const double> y, const MannKendallOptions& options = {});

}  // namespace leakscope::diagnosis
