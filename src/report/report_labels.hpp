// Plain words for the diagnosis enums. The schema spelling ("warmup_plateau") lives in the diagnosis
// library; the human reports need their own wording and should not depend on that library's build.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::report {

/// "warm-up then plateau", "steady linear growth", ...
std::string_view pattern_label(diagnosis::Pattern pattern);

/// The schema's identifier, for machine-friendly columns (Markdown, CSV): "warmup_plateau".
std::string_view pattern_id(diagnosis::Pattern pattern);

/// "none", "low", "medium", "high", "critical".
std::string_view severity_label(diagnosis::Severity severity);

/// "live heap", "RSS", "PSS", "JVM heap" from the ProcessDiagnosis::metric spelling.
std::string_view metric_label(std::string_view metric);
/// The series the verdict rests on, as the headline and the rate rows name it: the live heap's verdict
/// (its blocks and the tracked mappings together) growing mostly in the mappings is "mmap'ed memory",
/// about evenly in both "live heap and mmap'ed memory" (ProcessDiagnosis::mapped_share_of_gain).
std::string_view verdict_metric_label(const diagnosis::ProcessDiagnosis& process);
/// The mappings' share of the gain from which they name the verdict's series alone (and under which,
/// from 1 minus it, the live blocks do).
inline constexpr double kMostlyMapped = 0.75;
/// The metric as report-schema.json spells it: "live_heap", "rss" or "pss" (the JVM's heap lives in RSS).
std::string_view schema_metric(std::string_view metric);

/// "1 of 3 processes died without a final report: their last state is shown"; a Go program (`go`) ends by
/// its own exit system call, which no preloaded library sees, and is said to have ended, not died.
std::string without_final_report_text(std::size_t without, std::size_t processes, bool go);

/// The first words of the verdict: "Leak", "No leak", "No heap leak" (fragmentation), "Not enough data".
std::string_view verdict_word(const diagnosis::Diagnosis& verdict);

}  // namespace leakscope::report
