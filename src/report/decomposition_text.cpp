#include "report/decomposition_text.hpp"

#include <fmt/format.h>

#include "report/human_units.hpp"
#include "report/report_facts.hpp"
#include "report/report_labels.hpp"

namespace leakscope::report {
namespace {

std::string per_hour(double bytes_per_s) { return signed_rate(bytes_per_s * 3600, "h"); }

}  // namespace

std::string part_rate_text(const Decomposition::Rate& rate) { return rate.changed ? per_hour(rate.bytes_per_s) : "flat"; }

std::string_view retained_part_name(const Decomposition& parts) {
    return parts.allocator_measured ? "the allocator's free-but-kept memory" : "allocator-retained and other";
}

std::string window_text(const Decomposition& parts) {
    // Times count from the run's start: a window from there reads so rather than "from 0 ms".
    const std::string from = parts.from_s < 0.05 ? "the start" : format_duration(parts.from_s);
    return fmt::format("from {} to {}", from, format_duration(parts.to_s));
}

std::string decomposition_sentence(const Decomposition& parts, const diagnosis::Diagnosis& rss) {
    const std::string opening = fmt::format("Over the steady state ({})", window_text(parts));
    if (parts.rss_cycles)
        return fmt::format("{}, RSS rose and fell ({}{}): what it changed between two points of its cycles depends on where "
                           "they fall, so no rate is split into its parts.",
                           opening, pattern_label(rss.pattern), rss.period_s ? ", every " + format_duration(*rss.period_s) : "");
    const Decomposition::Rate& whole = parts.rss;
    if (!whole.changed)
        return fmt::format("{}, RSS did not change beyond its noise ({}, no significant trend: p = {:.2g}): no change to split "
                           "into its parts.",
                           opening, per_hour(whole.bytes_per_s), whole.trend_p_value);
    if (!parts.rss_changed) {
        // A few pages, which RSS gains and loses as an allocator settles (page_granular_growth.hpp).
        return fmt::format("{}, RSS changed by only {}: too little to split into its parts.", opening,
                           format_bytes(whole.bytes_per_s * (parts.to_s - parts.from_s), true));
    }
    return fmt::format("{}, RSS changed {}: live heap {}, mmap'ed {}, {} {}{}.", opening, per_hour(whole.bytes_per_s),
                       part_rate_text(parts.live_heap), part_rate_text(parts.mapped), retained_part_name(parts),
                       part_rate_text(parts.allocator_retained),
                       parts.allocator_measured ? fmt::format(", {} {}", kRestPartName, part_rate_text(parts.rest)) : "");
}

}  // namespace leakscope::report
