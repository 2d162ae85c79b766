// Fetches a fleet's series from Prometheus in batches, so memory holds one batch of points at a time:
// one coarse request finds the series, then each batch is asked for by one selector per metric name
// with a regex of the values of the label that tells the series apart (when the query returns raw
// series, i.e. every series has a __name__), over as many requests as the 11,000-point cap needs. A query that computes its series (sum by, rate, ...) cannot be split by series: it is
// fetched whole, in time pieces.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fleet/prometheus_client.hpp"

namespace leakscope::fleet {

struct FleetQuery {
    std::string query;
    double start_s = 0, end_s = 0, step_s = 60;
    std::size_t batch_series = 100;
};

/// '{__name__="m",label=~"v1|v2"}' with the values as literal alternatives (the label may be "").
std::string selector_for(const std::string& name, const std::string& label, const std::vector<std::string>& values);

/// Labels without __name__: how a series is matched with its limit and start-time series.
Labels identity(const Labels& labels);

class FleetSource {
public:
    FleetSource(PrometheusClient& client, FleetQuery query);

    /// Finds the series (one coarse request); returns how many.
    std::size_t discover();
    /// The next batch with every point of the range, in discovery order; empty when done.
    std::vector<RangeSeries> next_batch();

    double fetch_seconds() const { return fetch_seconds_; }
    std::size_t requests() const { return requests_; }
    bool split_by_series() const { return by_series_; }

private:
    std::vector<RangeSeries> fetch(const std::string& query);
    void plan_groups();
    PrometheusClient& client_;
    FleetQuery query_;
    std::vector<Labels> series_;
    std::string batch_label_;
    std::vector<std::vector<std::size_t>> groups_;  ///< series sharing __name__ and the batch label's value
    std::size_t next_ = 0;
    bool by_series_ = false;
    bool done_ = false;
    double fetch_seconds_ = 0;
    std::size_t requests_ = 0;
};

/// process_start_time_seconds (or any per-process start time) over the range, kept as its changes
/// only; expanded onto a series' own points by identity.
class StartTimes {
public:
    StartTimes() = default;
    StartTimes(PrometheusClient& client, const std::string& query, double start_s, double end_s, double step_s);
    /// The start time of the process each point belongs to (the latest start at or before it); empty
    /// when no start-time series matches.
    std::vector<double> on_points(const Labels& labels, const std::vector<double>& t_s) const;

private:
    std::map<Labels, std::vector<std::pair<double, double>>> changes_;  ///< identity -> (t, value) at each change
};

/// The limit of each series from an instant query at the end (container_spec_memory_limit_bytes ...):
/// matched by identity; a query with one unlabelled result applies to every series; 0 means none.
class Limits {
public:
    Limits() = default;
    Limits(PrometheusClient& client, const std::string& query, double time_s);
    std::optional<double> of(const Labels& labels) const;

private:
    std::map<Labels, double> by_identity_;
    std::optional<double> everywhere_;
};

}  // namespace leakscope::fleet
