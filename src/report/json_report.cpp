#include "report/json_report.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/pymalloc_arenas.hpp"
#include "analysis/sampled_attribution.hpp"
#include "report/decomposition_text.hpp"
#include "report/report_labels.hpp"
#include "util/version.hpp"

namespace leakscope::report {
namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& value) {
    return value && std::isfinite(*value) ? json(*value) : json(nullptr);
}

json diagnosis_json(const diagnosis::Diagnosis& d) {
    return {
        {"leak", d.leak},
        {"decided", d.decided},
        {"watch_more_s", optional_number(d.watch_more_s)},
        {"pattern", diagnosis::to_string(d.pattern)},
        {"severity", diagnosis::to_string(d.severity)},
        {"confidence", d.confidence},
        {"summary", d.summary},
        {"warmup_bytes", d.warmup_bytes},
        {"warmup_end_s", d.warmup_end_s},
        {"steady_rate_bytes_per_s", d.steady_rate_bytes_per_s},
        {"rate_ci_low_bytes_per_s", d.rate_ci_low_bytes_per_s},
        {"rate_ci_high_bytes_per_s", d.rate_ci_high_bytes_per_s},
        {"trend_p_value", d.trend_p_value},
        {"rate_bytes_per_event", optional_number(d.rate_bytes_per_event)},
        {"period_s", optional_number(d.period_s)},
        {"change_points_s", d.change_points_s},
    };
}

/// Every part's change over one window, its trend's p-value and whether it changed; "summary" is the line
/// the HTML and Markdown reports print (no part's rate where RSS itself did not change).
json decomposition_json(const Decomposition& parts, const diagnosis::Diagnosis& rss) {
    json out = {{"from_s", parts.from_s},
                {"to_s", parts.to_s},
                {"rss_changed", parts.rss_changed},
                {"rss_cycles", parts.rss_cycles},
                {"allocator_measured", parts.allocator_measured},
                {"summary", decomposition_sentence(parts, rss)}};
    const std::pair<std::string, const Decomposition::Rate*> rates[] = {
        {"rss", &parts.rss}, {"live_heap", &parts.live_heap}, {"mapped", &parts.mapped}, {"allocator_retained", &parts.allocator_retained}};
    const auto write = [&out](const std::string& name, const Decomposition::Rate& rate) {
        out[name + "_rate_bytes_per_s"] = rate.bytes_per_s;
        out[name + "_trend_p_value"] = rate.trend_p_value;
        out[name + "_trend_significant"] = rate.changed;  // (rss_changed above is the whole line's: cycles and pages too)
    };
    for (const auto& [name, rate] : rates) write(name, *rate);
    if (parts.allocator_measured) write("rest", parts.rest);
    return out;
}

/// Bucket boundaries that cut `n` points into at most kMaxReportPoints consecutive groups.
std::vector<std::pair<std::size_t, std::size_t>> report_buckets(std::size_t n) {
    std::vector<std::pair<std::size_t, std::size_t>> buckets;
    const std::size_t count = std::min(n, kMaxReportPoints);
    for (std::size_t b = 0; b < count; ++b) buckets.emplace_back(b * n / count, (b + 1) * n / count);
    return buckets;
}

json series_json(const Recording& recording) {
    const auto& samples = recording.samples;
    json t = json::array(), rss = json::array(), rss_max = json::array(), pss = json::array(),
         heap = json::array(), mapped = json::array(), anon = json::array(), file = json::array(),
         swap = json::array(), vm_data = json::array(), events = json::array();
    // The mean of a gauge over a bucket, or null when any point of it was not measured.
    auto mean = [&](std::size_t begin, std::size_t end, auto field) -> json {
        double sum = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const std::uint64_t v = samples[i].*field;
            if (!known(v)) return nullptr;
            sum += static_cast<double>(v);
        }
        return sum / static_cast<double>(end - begin);
    };
    // Readings taken only now and then (smaps): the mean of those in the bucket, null when it has none.
    auto sparse_mean = [&](std::size_t begin, std::size_t end, auto field) -> json {
        double sum = 0;
        std::size_t n = 0;
        for (std::size_t i = begin; i < end; ++i) {
            const std::uint64_t v = samples[i].*field;
            if (known(v)) sum += static_cast<double>(v), ++n;
        }
        return n == 0 ? json(nullptr) : json(sum / static_cast<double>(n));
    };
    // Additions to the leakscope.report/1 series, each null where it was not measured.
    const std::pair<const char*, std::uint64_t SamplePoint::*> allocator_fields[] = {
        {"allocator_footprint_bytes", &SamplePoint::allocator_footprint},
        {"allocator_in_use_bytes", &SamplePoint::allocator_in_use},
        {"allocator_free_bytes", &SamplePoint::allocator_free},
        // Counted in rss_bytes and anon_bytes (the tables live in the target); the diagnosis leaves them out.
        {"tracker_bytes", &SamplePoint::tracker_bytes}};
    const std::pair<const char*, std::uint64_t SamplePoint::*> smaps_fields[] = {
        {"smaps_brk_heap_bytes", &SamplePoint::smaps_brk_heap},
        {"smaps_stacks_bytes", &SamplePoint::smaps_stacks},
        {"smaps_anon_other_bytes", &SamplePoint::smaps_anon_other},
        {"smaps_file_bytes", &SamplePoint::smaps_file},
        {"smaps_other_bytes", &SamplePoint::smaps_other}};
    // The JVM's own heap (hsperfdata), null where no JVM's counters were read; the collection counts are
    // cumulative, the last value of each bucket.
    const std::pair<const char*, std::uint64_t SamplePoint::*> runtime_gauges[] = {
        {"runtime_heap_used_bytes", &SamplePoint::runtime_heap_used},
        {"runtime_heap_committed_bytes", &SamplePoint::runtime_heap_committed},
        {"runtime_heap_max_bytes", &SamplePoint::runtime_heap_max},
        {"runtime_old_gen_used_bytes", &SamplePoint::runtime_old_gen_used},
        {"runtime_eden_used_bytes", &SamplePoint::runtime_eden_used},
        {"runtime_metaspace_used_bytes", &SamplePoint::runtime_metaspace_used}};
    const std::pair<const char*, std::uint64_t SamplePoint::*> runtime_counts[] = {
        {"runtime_young_gcs", &SamplePoint::runtime_young_gcs},
        {"runtime_full_gcs", &SamplePoint::runtime_full_gcs},
        {"runtime_concurrent_gcs", &SamplePoint::runtime_concurrent_gcs}};
    const auto last = [&](std::size_t end, auto field) -> json {
        const std::uint64_t v = samples[end - 1].*field;
        return known(v) ? json(v) : json(nullptr);
    };
    json extra = json::object();
    for (const auto& [name, field] : allocator_fields) extra[name] = json::array();
    for (const auto& [name, field] : smaps_fields) extra[name] = json::array();
    for (const auto& [name, field] : runtime_gauges) extra[name] = json::array();
    for (const auto& [name, field] : runtime_counts) extra[name] = json::array();
    for (const auto& [begin, end] : report_buckets(samples.size())) {
        double t_sum = 0, peak = 0;
        for (std::size_t i = begin; i < end; ++i) {
            t_sum += samples[i].t_s;
            peak = std::max(peak, static_cast<double>(samples[i].rss_max));
        }
        t.push_back(t_sum / static_cast<double>(end - begin));
        rss.push_back(mean(begin, end, &SamplePoint::rss));
        rss_max.push_back(peak);
        pss.push_back(mean(begin, end, &SamplePoint::pss));
        heap.push_back(mean(begin, end, &SamplePoint::live_heap));
        mapped.push_back(mean(begin, end, &SamplePoint::mapped));
        anon.push_back(mean(begin, end, &SamplePoint::anon));
        file.push_back(mean(begin, end, &SamplePoint::file));
        swap.push_back(mean(begin, end, &SamplePoint::swap));
        vm_data.push_back(mean(begin, end, &SamplePoint::vm_data));
        events.push_back(samples[end - 1].events);
        for (const auto& [name, field] : allocator_fields) extra[name].push_back(mean(begin, end, field));
        for (const auto& [name, field] : smaps_fields) extra[name].push_back(sparse_mean(begin, end, field));
        for (const auto& [name, field] : runtime_gauges) extra[name].push_back(mean(begin, end, field));
        for (const auto& [name, field] : runtime_counts) extra[name].push_back(last(end, field));
    }
    json series = {{"t_s", t},           {"rss_bytes", rss},   {"rss_max_bytes", rss_max},
                   {"pss_bytes", pss},   {"live_heap_bytes", heap}, {"mapped_bytes", mapped},
                   {"anon_bytes", anon}, {"file_bytes", file}, {"swap_bytes", swap},
                   {"vm_data_bytes", vm_data}, {"events", events}};
    series.update(extra);
    return series;
}

/// Sampling mode's fields of a site: the interval and whether it rests on too few samples.
void add_sampled_fields(json& j, const std::optional<analysis::SampledInterval>& sampled) {
    j["live_bytes_ci_low"] = sampled ? json(sampled->low) : json(nullptr);
    j["live_bytes_ci_high"] = sampled ? json(sampled->high) : json(nullptr);
    j["samples"] = sampled ? json(sampled->samples) : json(nullptr);
    j["few_samples"] = sampled && sampled->few_samples;
}

json site_json(const analysis::SiteReport& site) {
    json j = {
        {"function", site.function},
        {"file", site.file ? json(*site.file) : json(nullptr)},
        {"line", site.line ? json(*site.line) : json(nullptr)},
        {"module", site.module ? json(*site.module) : json(nullptr)},
        {"live_bytes", site.live_bytes},
        {"peak_live_bytes", site.peak_live_bytes},
        {"steady_rate_bytes_per_s", site.diagnosis.steady_rate_bytes_per_s},
        {"rate_ci_low_bytes_per_s", site.diagnosis.rate_ci_low_bytes_per_s},
        {"rate_ci_high_bytes_per_s", site.diagnosis.rate_ci_high_bytes_per_s},
        {"rate_bytes_per_event", optional_number(site.diagnosis.rate_bytes_per_event)},
        {"leak", site.diagnosis.leak},
        {"pattern", diagnosis::to_string(site.diagnosis.pattern)},
        {"warmup_bytes", site.diagnosis.warmup_bytes},
        {"q_value", site.q_value},
        {"total_allocations", site.total_allocations},
        {"total_bytes", site.total_bytes},
        {"stack_id", site.stack.value},
        {"stack", site.frames},
        {"live_at_exit_bytes", optional_number(site.live_at_exit_bytes)},
        {"via", site.via.empty() ? json(nullptr) : json(site.via)},
        {"in_process", site.in_process.empty() ? json(nullptr) : json(site.in_process)},
    };
    add_sampled_fields(j, site.sampled);
    return j;
}

/// The LeakSanitizer view: what each site still held when its process ended.
json exit_site_json(const analysis::ExitSiteReport& site) {
    json j = {
        {"function", site.name.function},
        {"file", site.name.file ? json(*site.name.file) : json(nullptr)},
        {"line", site.name.line ? json(*site.name.line) : json(nullptr)},
        {"module", site.name.module ? json(*site.name.module) : json(nullptr)},
        {"live_at_exit_bytes", site.live_bytes},
        {"live_at_exit_allocations", site.live_count},
        {"total_allocations", site.total_allocations},
        {"total_bytes", site.total_bytes},
        {"stack_id", site.stack.value},
        {"stack", site.name.frames},
        {"via", site.name.via.empty() ? json(nullptr) : json(site.name.via)},
    };
    add_sampled_fields(j, site.sampled);
    return j;
}

json at_exit_json(const analysis::ExitView& view) {
    return {
        {"processes_ended", view.processes},
        {"processes_without_final_report", view.processes_without_goodbye},
        {"live_bytes", view.live_bytes},
        {"live_allocations", view.live_count},
        {"sites", view.site_count},
        {"sites_not_shown", view.sites_not_shown},
        {"bytes_not_shown", view.bytes_not_shown},
        {"estimated", view.sampled},
    };
}

}  // namespace

json verdict_json(const diagnosis::Diagnosis& verdict) {
    return {{"leak", verdict.leak},
            {"decided", verdict.decided},
            {"watch_more_s", optional_number(verdict.watch_more_s)},
            {"pattern", diagnosis::to_string(verdict.pattern)},
            {"severity", diagnosis::to_string(verdict.severity)},
            {"confidence", verdict.confidence},
            {"summary", verdict.summary}};
}

json growth_json(const diagnosis::Diagnosis& verdict, std::string_view metric, std::string_view limit_source,
                 std::string_view warmup_metric) {
    return {
        {"metric", schema_metric(metric)},
        {"warmup_bytes", verdict.warmup_bytes},
        // RSS's warm-up beside the heap's verdict: which series warmup_bytes is of.
        {"warmup_metric", schema_metric(warmup_metric.empty() ? metric : warmup_metric)},
        {"warmup_end_s", verdict.warmup_end_s},
        {"settling_toward_bytes", optional_number(verdict.settling_toward_bytes)},
        {"onset_s", optional_number(verdict.onset_s)},
        {"steady_rate_bytes_per_s", verdict.steady_rate_bytes_per_s},
        {"rate_ci_low_bytes_per_s", verdict.rate_ci_low_bytes_per_s},
        {"rate_ci_high_bytes_per_s", verdict.rate_ci_high_bytes_per_s},
        {"steady_rate_bytes_per_h", verdict.steady_rate_bytes_per_s * 3600.0},
        {"rate_bytes_per_event", optional_number(verdict.rate_bytes_per_event)},
        {"rate_per_event_ci_low", optional_number(verdict.rate_per_event_ci_low)},
        {"rate_per_event_ci_high", optional_number(verdict.rate_per_event_ci_high)},
        {"trend_p_value", verdict.trend_p_value},
        {"fit_intercept_bytes", verdict.fit_intercept_bytes},
        {"period_s", optional_number(verdict.period_s)},
        {"change_points_s", verdict.change_points_s},
        {"projection",
         {{"limit_bytes", optional_number(verdict.limit_bytes)},
          {"limit_source", limit_source.empty() ? json(nullptr) : json(limit_source)},
          {"time_to_limit_s", optional_number(verdict.time_to_limit_s)},
          {"restart_interval_s", optional_number(verdict.restart_interval_s)},
          {"fraction_of_samples_near_limit", verdict.fraction_of_samples_near_limit}}},
    };
}

json make_json_report(const Recording& recording, const analysis::Analysis& analysis) {
    const auto& verdict = analysis.process.verdict;
    const auto& info = recording.info;

    json target = {
        {"command", info.command},
        {"pid", info.pid ? json(*info.pid) : json(nullptr)},
        {"exit_code", recording.end && recording.end->exit_code && !info.attached ? json(*recording.end->exit_code)
                                                                                   : json(nullptr)},
        {"duration_s", analysis.duration_s},
        {"events", analysis.events > 0 ? json(analysis.events) : json(nullptr)},
        {"attached", info.attached},
        {"term_signal", recording.end && recording.end->term_signal ? json(*recording.end->term_signal) : json(nullptr)},
        {"end_reason", recording.end ? json(recording.end->reason) : json("unknown (recording has no end)")},
    };

    const json growth = growth_json(verdict, analysis.process.metric, analysis.limit_source, analysis.process.warmup_metric);

    json report = {
        {"schema", "leakscope.report/1"},
        {"leakscope_version", kVersion},
        {"target", target},
        {"verdict", verdict_json(verdict)},
        {"growth", growth},
        {"memory",
         {{"start_rss_bytes", analysis.start_rss},
          {"peak_rss_bytes", analysis.peak_rss},
          {"end_rss_bytes", analysis.end_rss},
          {"samples", analysis.samples},
          {"max_processes", analysis.max_processes},
          {"max_threads", analysis.max_threads},
          {"interval_s", info.interval_s}}},
        {"run",
         {{"tracker_mode", info.tracker_mode},
          {"sample_bytes", info.sample_bytes},
          {"events_regex", info.events_regex},
          {"start_unix_s", info.start_unix_s},
          {"hostname", info.hostname},
          {"allocator", info.allocator.empty() ? json(nullptr) : json(info.allocator)},
          {"runtime", info.runtime.empty() ? json(nullptr) : json(info.runtime)},
          {"cgroup_limit_bytes", info.cgroup_limit_bytes ? json(*info.cgroup_limit_bytes) : json(nullptr)},
          {"machine_memory_bytes", info.machine_memory_bytes ? json(*info.machine_memory_bytes) : json(nullptr)}}},
        {"diagnoses", {{"rss", diagnosis_json(analysis.process.rss)}}},
        {"series", series_json(recording)},
        {"sites", json::array()},
        {"warnings", recording.warnings},
    };
    if (analysis.process.live_heap) report["diagnoses"]["live_heap"] = diagnosis_json(*analysis.process.live_heap);
    if (const auto& parts = analysis.process.decomposition) report["decomposition"] = decomposition_json(*parts, analysis.process.rss);
    for (const auto& site : analysis.sites) report["sites"].push_back(site_json(site));
    // Streams lost while their process ran: the heap is unknown from the first (the warnings say so too).
    report["tracking_lost"] = json::array();
    for (const auto& loss : recording.tracking_lost)
        report["tracking_lost"].push_back({{"process", loss.process < recording.processes.size() ? recording.processes[loss.process] : std::to_string(loss.process)},
                                           {"t_s", loss.t_s},
                                           {"reason", loss.reason}});
    report["sites_not_shown"] = {{"sites", analysis.sites_not_shown}, {"live_bytes", analysis.live_bytes_not_shown}};
    if (const auto& missed = analysis.unsampled_growth)
        report["unsampled_growth"] = {{"rise_bytes", missed->rise_bytes},
                                      {"sample_bytes", missed->sample_bytes},
                                      {"expected_samples", missed->expected_samples},
                                      {"within_swings", missed->within_swings},
                                      {"summary", analysis::unsampled_growth_sentence(*missed)}};
    if (const auto& arenas = analysis.arena_growth)
        report["arena_growth"] = {{"rise_bytes", arenas->rise_bytes},
                                  {"arena_sites", arenas->arena_sites},
                                  {"arena_bytes", arenas->arena_bytes},
                                  {"summary", analysis::arena_growth_sentence(*arenas)}};
    report["at_exit"] = at_exit_json(analysis.at_exit);
    report["sites_at_exit"] = json::array();
    for (const auto& site : analysis.at_exit.sites) report["sites_at_exit"].push_back(exit_site_json(site));
    return report;
}

void write_json(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    // Text was made valid where it entered; replacing here too keeps a missed path from aborting the write.
    out << make_json_report(recording, analysis).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace leakscope::report
