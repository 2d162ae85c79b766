#include "diagnosis/sites.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "diagnosis/diagnosis.hpp"
#include "diagnosis/robust_stats.hpp"

namespace leakscope::diagnosis {

std::vector<double> benjamini_hochberg(std::span<const double> p_values) {
    const std::size_t m = p_values.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
    std::vector<double> q(m, 1.0);
    double running_min = 1.0;
    for (std::size_t k = m; k-- > 0;) {
        const double p = std::clamp(p_values[order[k]], 0.0, 1.0);
        running_min = std::min(running_min, p * static_cast<double>(m) / static_cast<double>(k + 1));
        q[order[k]] = running_min;
    }
    return q;
}

// The p-value the false-discovery control runs on: the one behind the leak call itself, so that a
// site is judged by one test. The call rests on Sen's interval (widened for autocorrelation) lying
// above zero; its one-sided p-value follows from the interval's width. Mann–Kendall's, which the
// report also gives, inflates its variance for a clean ramp whose ranks of residuals correlate, and
// would overrule a rate whose interval is far from zero.
double growth_p_value(const Diagnosis& d, double confidence_level) {
    const double low = d.rate_ci_low_bytes_per_s, high = d.rate_ci_high_bytes_per_s, rate = d.steady_rate_bytes_per_s;
    if (!std::isfinite(low) || !std::isfinite(high) || high <= low) return d.trend_p_value;
    const double z_level = detail::normal_quantile(0.5 + 0.5 * std::clamp(confidence_level, 0.5, 0.999999));
    const double standard_error = (high - low) / (2 * z_level);
    if (standard_error <= 0) return d.trend_p_value;
    return 0.5 * std::erfc(rate / standard_error / std::sqrt(2.0));  // P(Z > z), one-sided: growth
}

std::vector<SiteVerdict> diagnose_sites(const std::vector<double>& grid_t_s, const std::vector<SiteInput>& sites,
                                        const std::vector<double>& events, const Options& options) {
    if (!events.empty() && events.size() != grid_t_s.size())
        throw std::invalid_argument("diagnose_sites: events must be empty or as long as the grid");
    std::vector<SiteVerdict> verdicts;
    verdicts.reserve(sites.size());
    Options site_options = options;
    site_options.limit_bytes.reset();  // limits apply to the process, not to one site
    for (std::size_t i = 0; i < sites.size(); ++i) {
        if (sites[i].live_bytes.size() != grid_t_s.size())
            throw std::invalid_argument("diagnose_sites: site " + std::to_string(i) + " has " +
                                        std::to_string(sites[i].live_bytes.size()) + " points on a grid of " +
                                        std::to_string(grid_t_s.size()));
        Series series{grid_t_s, sites[i].live_bytes, {}, events};
        verdicts.push_back({i, diagnose(series, site_options), 1.0});
    }
    std::vector<double> p_values;
    p_values.reserve(verdicts.size());
    for (const auto& verdict : verdicts) p_values.push_back(growth_p_value(verdict.diagnosis, options.confidence_level));
    const std::vector<double> q_values = benjamini_hochberg(p_values);
    for (std::size_t i = 0; i < verdicts.size(); ++i) {
        verdicts[i].q_value = q_values[i];
        // A site's leak call must survive the correction for testing many sites at once.
        if (verdicts[i].diagnosis.leak && q_values[i] > kSiteFalseDiscoveryRate) {
            verdicts[i].diagnosis.leak = false;
            verdicts[i].diagnosis.summary += " (Not called a leak: the trend does not survive the correction for testing " +
                                             std::to_string(sites.size()) + " sites at once.)";
        }
    }
    // Leaks first, then by steady growth, fastest first; index breaks ties so the order is stable.
    std::sort(verdicts.begin(), verdicts.end(), [](const SiteVerdict& a, const SiteVerdict& b) {
        if (a.diagnosis.leak != b.diagnosis.leak) return a.diagnosis.leak;
        if (a.diagnosis.steady_rate_bytes_per_s != b.diagnosis.steady_rate_bytes_per_s)
            return a.diagnosis.steady_rate_bytes_per_s > b.diagnosis.steady_rate_bytes_per_s;
        return a.index < b.index;
    });
    return verdicts;
}

}  // namespace leakscope::diagnosis
