#include "api/cycle_summary.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "api/byte_text.hpp"

namespace leakscope::detail {

std::string cycle_summary(const CycleResult& r) {
    if (r.pattern == Pattern::insufficient_data)
        return "Too few " + r.unit + "s to tell (" + std::to_string(r.series_bytes.size()) +
               " measured points); run more of them.";
    std::string text;
    if (r.leak) {
        text = "Live heap grows " + byte_text(r.bytes_per_cycle) + " per " + r.unit + " (interval " +
               byte_text(r.ci_low) + " to " + byte_text(r.ci_high) + ") in steady state";
    } else {
        text = "No growth per " + r.unit + " in steady state (" + byte_text(r.bytes_per_cycle) + " per " +
               r.unit + ", interval " + byte_text(r.ci_low) + " to " + byte_text(r.ci_high) + ")";
    }
    if (r.warmup_bytes > 0) {
        text += ", after a one-time warm-up of " + byte_text(r.warmup_bytes);
        if (r.warmup_cycles <= 1) {
            text += " in the first " + r.unit;
        } else {
            char cycles[32];
            std::snprintf(cycles, sizeof cycles, "%.0f", r.warmup_cycles);
            text += " over the first " + std::string(cycles) + " " + r.unit + "s";
        }
    }
    text += "; pattern ";
    text += to_string(r.pattern);
    text += ".";
    return text;
}

}  // namespace leakscope::detail

namespace leakscope {

std::string describe(const CycleResult& result) {
    std::string text = result.summary.empty() ? detail::cycle_summary(result) : result.summary;
    text += " Measured " + std::to_string(result.cycles) + " " + result.unit + "s with " +
            (result.source.empty() ? std::string("nothing") : result.source) + "; total change " +
            detail::byte_text(result.total_growth_bytes) + ".";
    if (!result.sites.empty()) {
        const Site& top = result.sites.front();
        text += " Top growing site: " + top.location + ", +" + detail::byte_text(top.bytes_per_cycle) + " per " +
                result.unit + ".";
    } else if (result.leak && result.source != "tracker") {
        text += " Run the test under `leakscope run` to see the allocation sites.";
    }
    return text;
}

std::ostream& operator<<(std::ostream& out, const CycleResult& result) { return out << describe(result); }

}  // namespace leakscope
