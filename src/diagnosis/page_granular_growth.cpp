#include "diagnosis/page_granular_growth.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "diagnosis/rss_explanation.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

namespace leakscope::diagnosis::detail {

void undecided_on_too_few_pages(Diagnosis& verdict, const Series& rss) {
    if (!verdict.leak || !verdict.decided || rss.t_s.size() < 2) return;
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double to_s = rss.t_s.back();
    const double rate = verdict.steady_rate_bytes_per_s;
    if (!(to_s > from_s) || !(rate > 0)) return;
    const double grown = std::max(gain(rss, from_s, to_s), 0.0);
    const double fewest = kFewestPagesToDecide * kPageBytes;
    if (enough_pages_to_decide(grown)) return;
    const std::string warmup = verdict.warmup_bytes > 0 ? fmt::format(" after a one-time warm-up of {}", format_bytes(verdict.warmup_bytes)) : "";
    make_undecided(verdict, (fewest - grown) / rate);
    verdict.summary = fmt::format(
        "RSS grew {} ({:.0f} pages) at {}{}: too few pages to tell a slow leak from the allocator settling page by page. "
        "Too early to tell: watch at least {} more.",
        format_bytes(grown), grown / kPageBytes, format_rate(rate), warmup, format_duration(*verdict.watch_more_s));
}

}  // namespace leakscope::diagnosis::detail
