#include "fleet/prometheus_client.hpp"

#include <httplib.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <nlohmann/json.hpp>

#include "fleet/matrix_stream.hpp"

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

/// application/x-www-form-urlencoded: every byte but the unreserved ones percent-encoded.
std::string form_body(const std::vector<std::pair<std::string, std::string>>& form) {
    static const char hex[] = "0123456789ABCDEF";
    std::string body;
    for (const auto& [key, value] : form) {
        if (!body.empty()) body += '&';
        body += key + '=';
        for (const unsigned char c : value) {
            if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
                body += static_cast<char>(c);
            } else {
                body += '%';
                body += hex[c >> 4];
                body += hex[c & 15];
            }
        }
    }
    return body;
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
    httplib::Request request;
    request.method = "POST";
    request.path = impl_->prefix + "/api/v1/query_range";
    request.set_header("Content-Type", "application/x-www-form-urlencoded");
    request.body = form_body({{"query", query}, {"start", format_time(start_s)}, {"end", format_time(end_s)}, {"step", format_time(step_s)}});
    // The answer is parsed while it arrives (matrix_stream.hpp): the parser runs on its own thread and
    // pulls what the client pushes.
    ChunkStream chunks;
    auto parsed = std::async(std::launch::async, [&chunks] {
        std::istream in(&chunks);
        try {
            return parse_matrix(in);
        } catch (...) {
            chunks.abandon();
            throw;
        }
    });
    request.content_receiver = [&chunks](const char* data, std::size_t size, std::uint64_t, std::uint64_t) { return chunks.push(data, size); };
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    const bool sent = impl_->client.send(request, response, error);
    chunks.close();
    MatrixAnswer answer;
    std::string unreadable;
    try {
        answer = parsed.get();
    } catch (const std::exception& e) {
        unreadable = e.what();
    }
    if (!sent && error != httplib::Error::Canceled) throw FleetError("Prometheus at " + url_ + ": " + httplib::to_string(error));
    if (response.status != 200) {
        // The API explains itself in JSON for 400 (bad query) and 422 (cannot execute).
        std::string why = "HTTP " + std::to_string(response.status);
        if (!answer.error.empty()) why += ": " + (answer.error_type.empty() ? std::string("error") : answer.error_type) + ": " + answer.error;
        throw FleetError("Prometheus at " + url_ + ": " + why);
    }
    if (!unreadable.empty()) throw FleetError("Prometheus at " + url_ + ": unexpected answer to query_range (" + unreadable + ")");
    if (answer.status != "success") throw FleetError("Prometheus at " + url_ + ": " + (answer.error.empty() ? "query failed" : answer.error));
    if (answer.result_type != "matrix")
        throw FleetError("Prometheus at " + url_ + ": the query gives a " + (answer.result_type.empty() ? "?" : answer.result_type) +
                         ", not a range of series");
    return std::move(answer.series);
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
