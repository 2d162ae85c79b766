// A client of Prometheus' HTTP API (and of what speaks it: Thanos, Mimir, VictoriaMetrics), through
// cpp-httplib from Debian's libcpp-httplib-dev. Only the two read endpoints leakscope needs.
#pragma once

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace leakscope::fleet {

/// Every failure talking to Prometheus, worded for one line: "Prometheus at URL: what went wrong".
class FleetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Labels = std::map<std::string, std::string>;

/// One series of a range query: points in time order (NaN and ±Inf values are dropped).
struct RangeSeries {
    Labels labels;
    std::vector<double> t_s;    ///< Unix seconds
    std::vector<double> value;
};

struct InstantSample {
    Labels labels;
    double value = 0;
};

class PrometheusClient {
public:
    /// `url`: "http://host:9090" with an optional path prefix ("http://host/prometheus"). Throws
    /// FleetError for a URL it cannot use.
    explicit PrometheusClient(const std::string& url, double timeout_s = 300);
    ~PrometheusClient();
    PrometheusClient(PrometheusClient&&) noexcept;

    /// POST /api/v1/query_range (POST: batch queries are long). One request; the caller keeps it
    /// under Prometheus' 11,000 points per series (range_split.hpp).
    std::vector<RangeSeries> query_range(const std::string& query, double start_s, double end_s, double step_s);
    /// POST /api/v1/query at `time_s` (a vector result).
    std::vector<InstantSample> query(const std::string& query, double time_s);

    const std::string& url() const { return url_; }

private:
    std::string post(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& form);
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string url_;
};

/// A selector that matches exactly the series with these labels ('{__name__="m",job="x"}'): values
/// escaped as PromQL strings.
std::string exact_selector(const Labels& labels);

}  // namespace leakscope::fleet
