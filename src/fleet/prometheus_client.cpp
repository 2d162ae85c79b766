#include "fleet/prometheus_client.hpp"

#include <httplib.h>

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace leakscope::fleet {
namespace {

using nlohmann::json;

std::string format_time(double t) {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%.3f", t);
    return buffer;
}

Labels labels_of(const json& metric) {
    Labels labels;
    for (auto it = metric.begin(); it != metric.end(); ++it) labels[it.key()] = it.value().get<std::string>();
    return labels;
}

/// Prometheus writes sample values as strings ("123.5", "NaN", "+Inf").
bool parse_value(const json& text, double& out) {
    if (!text.is_string()) return false;
    const auto& s = text.get_ref<const std::string&>();
    char* end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return end != s.c_str() && std::isfinite(out);
}

}  // namespace

struct PrometheusClient::Impl {
    explicit Impl(const std::string& base) : client(base) {}
    httplib::Client client;
    std::string prefix;  ///< path prefix, "" or "/prometheus"
};

PrometheusClient::PrometheusClient(const std::string& url, double timeout_s) : url_(url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0))
        throw FleetError("--prometheus: '" + url + "' is not an http:// or https:// URL (example: http://localhost:9090)");
    const auto path_start = url.find('/', scheme_end + 3);
    const std::string base = url.substr(0, path_start);
    if (base.size() <= scheme_end + 3) throw FleetError("--prometheus: '" + url + "' names no host");
    impl_ = std::make_unique<Impl>(base);
    if (path_start != std::string::npos) {
        impl_->prefix = url.substr(path_start);
        while (!impl_->prefix.empty() && impl_->prefix.back() == '/') impl_->prefix.pop_back();
    }
    const auto seconds = static_cast<time_t>(timeout_s);
    impl_->client.set_connection_timeout(10, 0);
    impl_->client.set_read_timeout(seconds, 0);
    impl_->client.set_keep_alive(true);
    impl_->client.set_decompress(true);
}

PrometheusClient::~PrometheusClient() = default;
PrometheusClient::PrometheusClient(PrometheusClient&&) noexcept = default;

std::string PrometheusClient::post(const std::string& endpoint, const std::vector<std::pair<std::string, std::string>>& form) {
    httplib::Params params;
    for (const auto& [k, v] : form) params.emplace(k, v);
    auto result = impl_->client.Post((impl_->prefix + endpoint).c_str(), params);
    if (!result) throw FleetError("Prometheus at " + url_ + ": " + httplib::to_string(result.error()));
    if (result->status != 200) {
        // The API explains itself in JSON for 400 (bad query) and 422 (cannot execute).
        std::string why = "HTTP " + std::to_string(result->status);
        try {
            const json body = json::parse(result->body);
            if (body.contains("error")) why += ": " + body.value("errorType", std::string("error")) + ": " + body["error"].get<std::string>();
        } catch (const json::exception&) {
        }
        throw FleetError("Prometheus at " + url_ + ": " + why);
    }
    return std::move(result->body);
}

std::vector<RangeSeries> PrometheusClient::query_range(const std::string& query, double start_s, double end_s, double step_s) {
    const std::string body = post("/api/v1/query_range", {{"query", query},
                                                          {"start", format_time(start_s)},
                                                          {"end", format_time(end_s)},
                                                          {"step", format_time(step_s)}});
    std::vector<RangeSeries> series;
    try {
        const json response = json::parse(body);
        if (response.value("status", "") != "success")
            throw FleetError("Prometheus at " + url_ + ": " + response.value("error", std::string("query failed")));
        const auto& data = response.at("data");
        if (data.value("resultType", "") != "matrix")
            throw FleetError("Prometheus at " + url_ + ": the query gives a " + data.value("resultType", std::string("?")) +
                             ", not a range of series");
        for (const auto& item : data.at("result")) {
            RangeSeries s;
            s.labels = labels_of(item.at("metric"));
            const auto& values = item.at("values");
            s.t_s.reserve(values.size());
            s.value.reserve(values.size());
            for (const auto& point : values) {
                double v = 0;
                if (!parse_value(point.at(1), v)) continue;
                s.t_s.push_back(point.at(0).get<double>());
                s.value.push_back(v);
            }
            series.push_back(std::move(s));
        }
    } catch (const json::exception& e) {
        throw FleetError("Prometheus at " + url_ + ": unexpected answer to query_range (" + e.what() + ")");
    }
    return series;
}

std::vector<InstantSample> PrometheusClient::query(const std::string& query, double time_s) {
    const std::string body = post("/api/v1/query", {{"query", query}, {"time", format_time(time_s)}});
    std::vector<InstantSample> samples;
    try {
        const json response = json::parse(body);
        if (response.value("status", "") != "success")
            throw FleetError("Prometheus at " + url_ + ": " + response.value("error", std::string("query failed")));
        const auto& data = response.at("data");
        if (data.value("resultType", "") == "scalar") {
            double v = 0;
            if (parse_value(data.at("result").at(1), v)) samples.push_back({{}, v});
            return samples;
        }
        for (const auto& item : data.at("result")) {
            double v = 0;
            if (parse_value(item.at("value").at(1), v)) samples.push_back({labels_of(item.at("metric")), v});
        }
    } catch (const json::exception& e) {
        throw FleetError("Prometheus at " + url_ + ": unexpected answer to query (" + e.what() + ")");
    }
    return samples;
}

std::string exact_selector(const Labels& labels) {
    std::string selector = "{";
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first) selector += ',';
        first = false;
        selector += name + "=\"";
        for (const char c : value) {
            if (c == '\\' || c == '"') selector += '\\';
            if (c == '\n') {
                selector += "\\n";
                continue;
            }
            selector += c;
        }
        selector += '"';
    }
    return selector + "}";
}

}  // namespace leakscope::fleet
