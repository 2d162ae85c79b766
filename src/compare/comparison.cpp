#include "compare/comparison.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

namespace leakscope::compare {
namespace {

double mean_of(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

/// The most frequent value; ties go to the one seen first.
template <typename T>
T most_frequent(const std::vector<T>& values) {
    std::map<T, int> counts;
    for (const auto& v : values) ++counts[v];
    T best = values.front();
    for (const auto& v : values) {
        if (counts[v] > counts[best]) best = v;
    }
    return best;
}

/// Standard error of the mean of independent estimates with known standard errors.
double standard_error_of_mean(const std::vector<double>& standard_errors) {
    double sum = 0;
    for (double se : standard_errors) sum += se * se;
    return std::sqrt(sum) / static_cast<double>(standard_errors.size());
}

struct Estimate {
    double mean = 0, low = 0, high = 0;
    std::string method;
};

/// The interval of a configuration's rate: Student-t over the runs when there are several, else the
/// single run's own (autocorrelation-corrected) interval.
Estimate estimate_of(const std::vector<double>& values, const std::vector<std::pair<double, double>>& run_intervals,
                     double level) {
    Estimate estimate;
    if (values.size() >= 2) {
        const auto interval = t_interval_of_mean(values, level);
        estimate = {interval.mean, interval.low, interval.high,
                    "Student-t interval over " + std::to_string(values.size()) + " runs"};
    } else {
        estimate = {values.front(), run_intervals.front().first, run_intervals.front().second, "the run's own interval"};
    }
    return estimate;
}

}  // namespace

bool site_grows(const diagnosis::Diagnosis& d) {
    if (d.leak) return true;
    const bool growth_pattern = d.pattern == diagnosis::Pattern::linear_growth ||
                                d.pattern == diagnosis::Pattern::staircase_growth ||
                                d.pattern == diagnosis::Pattern::accelerating_growth;
    return growth_pattern && d.rate_ci_low_bytes_per_s > 0 && d.steady_rate_bytes_per_s >= 64.0;
}

const char* to_string(Direction direction) {
    switch (direction) {
        case Direction::better: return "better";
        case Direction::worse: return "worse";
        case Direction::same: break;
    }
    return "same";
}

std::string choose_metric(const std::vector<const analysis::Analysis*>& analyses) {
    if (analyses.empty()) return "rss";
    for (const auto* analysis : analyses) {
        if (!analysis->process.live_heap) return "rss";
    }
    return "live_heap";
}

RunMeasurement measure_run(const analysis::Analysis& analysis, const std::string& metric) {
    RunMeasurement run;
    run.diagnosis = metric == "live_heap" && analysis.process.live_heap ? *analysis.process.live_heap : analysis.process.rss;
    run.duration_s = analysis.duration_s;
    run.events = analysis.events;
    // Sites come leaks first, then by steady growth: the first one that grows is the culprit.
    for (const auto& site : analysis.sites) {
        if (!site_grows(site.diagnosis)) continue;
        run.top_site = site.function;
        run.top_site_rate_bytes_per_s = site.diagnosis.steady_rate_bytes_per_s;
        break;
    }
    return run;
}

BaselineComparison compare_against_baseline(const std::vector<const RunMeasurement*>& baseline,
                                            const std::vector<const RunMeasurement*>& candidate,
                                            const ComparisonOptions& options) {
    BaselineComparison result;
    if (baseline.empty() || candidate.empty()) return result;
    std::vector<double> base_rates, cand_rates, base_se, cand_se;
    for (const auto* run : baseline) {
        base_rates.push_back(run->diagnosis.steady_rate_bytes_per_s);
        base_se.push_back(standard_error_from_interval(run->diagnosis.rate_ci_low_bytes_per_s,
                                                       run->diagnosis.rate_ci_high_bytes_per_s, options.confidence_level));
    }
    for (const auto* run : candidate) {
        cand_rates.push_back(run->diagnosis.steady_rate_bytes_per_s);
        cand_se.push_back(standard_error_from_interval(run->diagnosis.rate_ci_low_bytes_per_s,
                                                       run->diagnosis.rate_ci_high_bytes_per_s, options.confidence_level));
    }
    const double base_mean = mean_of(base_rates), cand_mean = mean_of(cand_rates);
    if (base_rates.size() >= 2 && cand_rates.size() >= 2) {
        result.test = welch_t_test(base_rates, cand_rates);
    } else {
        result.test = interval_z_test(base_mean, standard_error_of_mean(base_se), cand_mean, standard_error_of_mean(cand_se));
    }
    result.change_bytes_per_s = cand_mean - base_mean;
    const double base_size = std::fabs(base_mean);
    if (base_size >= options.min_change_bytes_per_s) result.relative_change = result.change_bytes_per_s / base_size;
    // Statistically real is not enough: a 0.5% change in a leak is not a finding (and with near-noiseless
    // tracked rates, tiny differences would be "significant"). The change must also be practically large.
    const double practical = std::max(options.min_relative_change * base_size, options.min_change_bytes_per_s);
    result.significant = result.test->p_value < options.alpha && std::fabs(result.change_bytes_per_s) >= practical;
    if (result.significant) result.direction = result.change_bytes_per_s > 0 ? Direction::worse : Direction::better;
    return result;
}

Comparison compare_runs(const std::vector<std::string>& names, const std::vector<RunMeasurement>& runs,
                        const std::string& metric, const ComparisonOptions& options) {
    Comparison comparison;
    comparison.metric = metric;
    comparison.options = options;
    std::vector<std::vector<const RunMeasurement*>> usable(names.size());
    for (const auto& run : runs) {
        if (run.configuration >= names.size()) continue;
        if (run.usable()) {
            usable[run.configuration].push_back(&run);
        } else {
            comparison.notes.push_back(names[run.configuration] + " run " + std::to_string(run.repeat) +
                                       " gave too little data for a rate and is left out (" +
                                       std::to_string(static_cast<int>(run.duration_s)) + " s); use a longer --duration");
        }
    }

    for (std::size_t c = 0; c < names.size(); ++c) {
        ConfigurationResult result;
        result.name = names[c];
        result.planned_runs = static_cast<std::size_t>(
            std::count_if(runs.begin(), runs.end(), [c](const RunMeasurement& run) { return run.configuration == c; }));
        result.runs = usable[c].size();
        if (result.runs == 0) {
            result.pattern = "insufficient_data";
            result.interval_method = "no usable run";
            comparison.configurations.push_back(std::move(result));
            continue;
        }
        std::vector<std::pair<double, double>> intervals, event_intervals;
        std::vector<double> event_rates;
        std::vector<std::string> patterns, sites;
        for (const auto* run : usable[c]) {
            const auto& d = run->diagnosis;
            result.run_rates_bytes_per_s.push_back(d.steady_rate_bytes_per_s);
            intervals.emplace_back(d.rate_ci_low_bytes_per_s, d.rate_ci_high_bytes_per_s);
            if (d.rate_bytes_per_event) {
                event_rates.push_back(*d.rate_bytes_per_event);
                event_intervals.emplace_back(d.rate_per_event_ci_low.value_or(*d.rate_bytes_per_event),
                                             d.rate_per_event_ci_high.value_or(*d.rate_bytes_per_event));
            }
            result.warmup_bytes += d.warmup_bytes / static_cast<double>(result.runs);
            result.warmup_end_s += d.warmup_end_s / static_cast<double>(result.runs);
            if (d.leak) ++result.leak_runs;
            patterns.emplace_back(diagnosis::to_string(d.pattern));
            if (run->top_site) sites.push_back(*run->top_site);
        }
        const auto rate = estimate_of(result.run_rates_bytes_per_s, intervals, options.confidence_level);
        result.rate_bytes_per_s = rate.mean;
        result.rate_ci_low_bytes_per_s = rate.low;
        result.rate_ci_high_bytes_per_s = rate.high;
        result.interval_method = rate.method;
        // Per event only when every run counted events: a mean over some runs would mislead.
        if (event_rates.size() == result.runs) {
            const auto per_event = estimate_of(event_rates, event_intervals, options.confidence_level);
            result.rate_bytes_per_event = per_event.mean;
            result.rate_per_event_ci_low = per_event.low;
            result.rate_per_event_ci_high = per_event.high;
        }
        result.leak = 2 * result.leak_runs > result.runs;
        result.pattern = most_frequent(patterns);
        if (!sites.empty()) result.top_site = most_frequent(sites);
        comparison.configurations.push_back(std::move(result));
    }

    for (std::size_t c = 1; c < names.size(); ++c) {
        comparison.configurations[c].vs_baseline = compare_against_baseline(usable[0], usable[c], options);
        if (!comparison.configurations[c].vs_baseline->test) {
            comparison.notes.push_back(names[c] + " cannot be tested against the baseline: " +
                                       (usable[0].empty() ? names[0] : names[c]) + " has no usable run");
        }
    }
    const bool fallback = std::any_of(comparison.configurations.begin(), comparison.configurations.end(), [](const auto& c) {
        return c.vs_baseline && c.vs_baseline->test && c.vs_baseline->test->test == kIntervalTestName;
    });
    if (fallback) {
        comparison.notes.push_back(
            "with one run on a side the test relies on each run's own interval, which is optimistic when memory noise is "
            "strongly autocorrelated (false alarms up to about twice alpha were measured); --repeat 2 or more uses "
            "Welch's t-test on the spread between runs instead");
    }
    const auto order = comparison.ranked();
    for (std::size_t i = 0; i < order.size(); ++i) comparison.configurations[order[i]].rank = static_cast<int>(i + 1);
    return comparison;
}

std::vector<std::size_t> Comparison::ranked() const {
    std::vector<std::size_t> order(configurations.size());
    std::iota(order.begin(), order.end(), 0);
    // Configurations without data go last; otherwise least growth first.
    std::stable_sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) {
        const auto& x = configurations[a];
        const auto& y = configurations[b];
        if ((x.runs == 0) != (y.runs == 0)) return y.runs == 0;
        return x.rate_bytes_per_s < y.rate_bytes_per_s;
    });
    return order;
}

std::string Comparison::test_summary() const {
    std::set<std::string> seen;
    std::string summary;
    for (const auto& configuration : configurations) {
        if (!configuration.vs_baseline || !configuration.vs_baseline->test) continue;
        const auto& name = configuration.vs_baseline->test->test;
        if (seen.insert(name).second) summary += (summary.empty() ? "" : "; ") + name;
    }
    return summary.empty() ? "none (no configuration could be tested)" : summary;
}

bool Comparison::any_significantly_worse() const {
    return std::any_of(configurations.begin(), configurations.end(), [](const ConfigurationResult& c) {
        return c.vs_baseline && c.vs_baseline->direction == Direction::worse;
    });
}

}  // namespace leakscope::compare
