#include "diagnosis/sites.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "diagnosis/diagnosis.hpp"

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
    for (const auto& verdict : verdicts) p_values.push_back(verdict.diagnosis.trend_p_value);
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
