#include "fleet/fleet_source.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <string_view>

#include "fleet/range_split.hpp"

namespace leakscope::fleet {
namespace {

/// Points of the discovery request: enough to find every series, cheap for Prometheus.
constexpr double kDiscoveryPoints = 200;

std::vector<RangeSeries> fetch_split(PrometheusClient& client, const std::string& query, double start_s, double end_s,
                                     double step_s, std::size_t& requests) {
    std::vector<RangeSeries> merged;
    std::map<Labels, std::size_t> index;
    for (const auto& range : split_range(start_s, end_s, step_s)) {
        ++requests;
        for (auto& piece : client.query_range(query, range.start_s, range.end_s, step_s)) {
            auto [it, fresh] = index.emplace(piece.labels, merged.size());
            if (fresh) {
                merged.push_back(std::move(piece));
                continue;
            }
            auto& whole = merged[it->second];
            whole.t_s.insert(whole.t_s.end(), piece.t_s.begin(), piece.t_s.end());
            whole.value.insert(whole.value.end(), piece.value.begin(), piece.value.end());
        }
    }
    return merged;
}

/// The PromQL string of a literal regex of `values` (RE2 metacharacters escaped, then the string).
std::string regex_alternation(const std::vector<std::string>& values) {
    std::string regex;
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) regex += '|';
        for (const char c : values[i]) {
            if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) regex += '\\';
            regex += c;
        }
    }
    std::string quoted;
    for (const char c : regex) {
        if (c == '\\' || c == '"') quoted += '\\';
        if (c == '\n') {
            quoted += "\\n";
            continue;
        }
        quoted += c;
    }
    return quoted;
}

}  // namespace

std::string selector_for(const std::string& name, const std::string& label, const std::vector<std::string>& values) {
    Labels only_name{{"__name__", name}};
    std::string selector = exact_selector(only_name);
    if (label.empty()) return selector;
    selector.pop_back();
    return selector + "," + label + "=~\"" + regex_alternation(values) + "\"}";
}

Labels identity(const Labels& labels) {
    Labels id = labels;
    id.erase("__name__");
    return id;
}

FleetSource::FleetSource(PrometheusClient& client, FleetQuery query) : client_(client), query_(std::move(query)) {
    if (query_.batch_series == 0) query_.batch_series = 1;
}

std::vector<RangeSeries> FleetSource::fetch(const std::string& query) {
    const auto started = std::chrono::steady_clock::now();
    auto series = fetch_split(client_, query, query_.start_s, query_.end_s, query_.step_s, requests_);
    fetch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return series;
}

void FleetSource::plan_groups() {
    // The label that tells the most series apart (series, instance, pod, ...).
    std::map<std::string, std::set<std::string>> distinct;
    for (const auto& labels : series_)
        for (const auto& [name, value] : labels)
            if (name != "__name__") distinct[name].insert(value);
    batch_label_.clear();
    std::size_t best = 0;
    for (const auto& [name, values] : distinct) {
        if (values.size() > best) {
            best = values.size();
            batch_label_ = name;
        }
    }
    std::map<std::pair<std::string, std::string>, std::size_t> group_of;
    groups_.clear();
    for (std::size_t i = 0; i < series_.size(); ++i) {
        const auto value = series_[i].find(batch_label_);
        const std::pair key{series_[i].at("__name__"), value == series_[i].end() ? std::string() : value->second};
        auto [it, fresh] = group_of.emplace(key, groups_.size());
        if (fresh) groups_.emplace_back();
        groups_[it->second].push_back(i);
    }
}

std::size_t FleetSource::discover() {
    const auto started = std::chrono::steady_clock::now();
    const double coarse = std::max(query_.step_s, (query_.end_s - query_.start_s) / kDiscoveryPoints);
    auto found = client_.query_range(query_.query, query_.start_s, query_.end_s, coarse);
    ++requests_;
    fetch_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    series_.clear();
    by_series_ = !found.empty();
    for (auto& s : found) {
        by_series_ = by_series_ && s.labels.count("__name__") > 0;
        series_.push_back(std::move(s.labels));
    }
    if (by_series_) plan_groups();
    return series_.size();
}

std::vector<RangeSeries> FleetSource::next_batch() {
    if (done_) return {};
    if (!by_series_) {
        done_ = true;
        return fetch(query_.query);
    }
    if (next_ >= groups_.size()) {
        done_ = true;
        return {};
    }
    // Whole groups (series sharing a metric name and a value of the batching label) up to the batch
    // size; one selector per metric name with a regex of the values: Prometheus finds them through its
    // index (a long chain of `or` is evaluated step by step, and was 20x slower).
    std::map<std::string, std::vector<std::string>> values_by_name;
    std::set<Labels> wanted;
    std::size_t count = 0;
    while (next_ < groups_.size() && (count == 0 || count + groups_[next_].size() <= query_.batch_series)) {
        const auto& group = groups_[next_++];
        const Labels& first = series_[group.front()];
        const auto value = first.find(batch_label_);
        values_by_name[first.at("__name__")].push_back(value == first.end() ? std::string() : value->second);
        for (const std::size_t i : group) wanted.insert(series_[i]);
        count += group.size();
    }
    std::string query;
    for (const auto& [name, values] : values_by_name) {
        if (!query.empty()) query += " or ";
        query += selector_for(name, batch_label_, values);
    }
    auto batch = fetch(query);
    // The selector may match more series than discovered (new ones); keep the ones asked for.
    std::erase_if(batch, [&](const RangeSeries& s) { return !wanted.count(s.labels); });
    return batch;
}

StartTimes::StartTimes(PrometheusClient& client, const std::string& query, double start_s, double end_s, double step_s) {
    std::size_t requests = 0;
    for (auto& s : fetch_split(client, query, start_s, end_s, step_s, requests)) {
        auto& changes = changes_[identity(s.labels)];
        for (std::size_t i = 0; i < s.value.size(); ++i) {
            if (changes.empty() || changes.back().second != s.value[i]) changes.emplace_back(s.t_s[i], s.value[i]);
        }
    }
}

std::vector<double> StartTimes::on_points(const Labels& labels, const std::vector<double>& t_s) const {
    const auto it = changes_.find(identity(labels));
    if (it == changes_.end()) return {};
    // A point belongs to the process with the latest start time at or before it. The start time's
    // own value says when the process started, exactly; when the series was sampled (minutes later,
    // at its own step) does not matter: cutting where its sample changed would leave the first
    // minutes of the new process at the end of the old one, which then looks like a sawtooth.
    std::vector<double> starts;
    for (const auto& [t, value] : it->second) starts.push_back(value);
    std::sort(starts.begin(), starts.end());
    std::vector<double> out(t_s.size(), NAN);
    for (std::size_t i = 0; i < t_s.size(); ++i) {
        const auto after = std::upper_bound(starts.begin(), starts.end(), t_s[i]);
        out[i] = after == starts.begin() ? starts.front() : *(after - 1);
    }
    return out;
}

Limits::Limits(PrometheusClient& client, const std::string& query, double time_s) {
    const auto samples = client.query(query, time_s);
    if (samples.size() == 1 && identity(samples.front().labels).empty()) {
        if (samples.front().value > 0) everywhere_ = samples.front().value;
        return;
    }
    for (const auto& s : samples) {
        if (s.value > 0) by_identity_[identity(s.labels)] = s.value;
    }
}

std::optional<double> Limits::of(const Labels& labels) const {
    if (everywhere_) return everywhere_;
    const auto it = by_identity_.find(identity(labels));
    if (it == by_identity_.end()) return std::nullopt;
    return it->second;
}

}  // namespace leakscope::fleet
