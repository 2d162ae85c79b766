// Effective sample size of an autocorrelated series: n / (1 + 2 * sum of autocorrelations), summed
// over the initial positive run of lags (Geyer's initial positive sequence), so that noise at long
// lags does not make it erratic. Used to widen the Theil–Sen interval for autocorrelated residuals.
#pragma once

#include <cstddef>
#include <span>

namespace leakscope::diagnosis {

/// Below this many residuals no autocorrelation is estimated (n is returned).
inline constexpr std::size_t kFewestForAutocorrelation = 8;

/// In [2, n] for n >= kFewestForAutocorrelation (n itself for shorter input).
double effective_sample_size(std::span<const double> residuals);

}  // namespace leakscope::diagnosis
