// The machine-readable report: docs/report-schema.json ("leakscope.report/1"). Field names and
// units there are a contract; fields beyond them are additions.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "analysis/analysis.hpp"
#include "model/recording.hpp"

namespace leakscope::report {

/// At most this many points per series in the report: long runs are downsampled (bucket means, with
/// the peak of each bucket kept in rss_max_bytes so spikes stay visible).
inline constexpr std::size_t kMaxReportPoints = 2000;

nlohmann::json make_json_report(const Recording& recording, const analysis::Analysis& analysis);
void write_json(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

}  // namespace leakscope::report
