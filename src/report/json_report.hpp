// The machine-readable report: docs/report-schema.json ("leakscope.report/1"). Field names and
// units there are a contract; fields beyond them are additions.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// At most this many points per series in the report: long runs are downsampled (bucket means, with
/// the peak of each bucket kept in rss_max_bytes so spikes stay visible).
inline constexpr std::size_t kMaxReportPoints = 2000;

/// The report's `verdict` and `growth` objects of one diagnosis, for every writer that emits them (the
/// recording's report, the fleet report): one spelling of the contract's fields.
nlohmann::json verdict_json(const diagnosis::Diagnosis& verdict);
/// `metric`: the series the verdict rests on ("live_heap", "rss", "pss"); `limit_source` may be empty.
nlohmann::json growth_json(const diagnosis::Diagnosis& verdict, std::string_view metric, std::string_view limit_source,
                           std::string_view warmup_metric = {});

nlohmann::json make_json_report(const Recording& recording, const analysis::Analysis& analysis);
void write_json(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
