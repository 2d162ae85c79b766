#include "diagnosis_bench/report_invariants.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace leakscope::diagnosis::invariants {
namespace {

bool contains_ignoring_case(std::string_view text, std::string_view word) {
    return std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
           }) != text.end();
}

bool says_no_leak(std::string_view summary) {
    return std::any_of(std::begin(kNoLeakPhrases), std::end(kNoLeakPhrases),
                       [summary](std::string_view phrase) { return contains_ignoring_case(summary, phrase); });
}

bool is_growth(Pattern p) {
    return p == Pattern::linear_growth || p == Pattern::staircase_growth || p == Pattern::accelerating_growth;
}

bool is_flat(Pattern p) {
    return p == Pattern::stable || p == Pattern::warmup_plateau || p == Pattern::fragmentation || p == Pattern::insufficient_data;
}

}  // namespace

std::vector<Violation> check(const Diagnosis& d, bool limit_applies) {
    std::vector<Violation> out;
    auto fail = [&out](std::string name, std::string detail) { out.push_back({std::move(name), std::move(detail)}); };
    const std::string verdict = fmt::format("{}/{}/{}", to_string(d.pattern), d.leak ? "leak" : "no leak", to_string(d.severity));

    if (d.leak && is_flat(d.pattern)) fail("leak_with_flat_pattern", verdict);
    // An undecided verdict may name the shape seen so far (growing, not yet a leak); a decided one may not.
    if (d.decided && !d.leak && is_growth(d.pattern)) fail("growth_pattern_without_leak", verdict);
    if (d.leak && !(d.rate_ci_low_bytes_per_s > 0))
        fail("leak_without_significant_rate", fmt::format("{} rate {:.4g} B/s, CI low {:.4g}", verdict, d.steady_rate_bytes_per_s,
                                                          d.rate_ci_low_bytes_per_s));
    if (static_cast<int>(d.severity) >= static_cast<int>(Severity::high) && !d.leak && d.fraction_of_samples_near_limit < 0.5)
        fail("severe_without_cause", fmt::format("{}, {:.0f}% of samples near the limit", verdict, 100 * d.fraction_of_samples_near_limit));
    if (limit_applies && d.leak && d.limit_bytes && !d.time_to_limit_s)
        fail("leak_without_time_to_limit", fmt::format("{}, limit {:.4g} B", verdict, *d.limit_bytes));
    const double low = d.rate_ci_low_bytes_per_s, rate = d.steady_rate_bytes_per_s, high = d.rate_ci_high_bytes_per_s;
    const double slack = 1e-9 * std::max({std::fabs(low), std::fabs(rate), std::fabs(high), 1.0});
    if (!std::isfinite(rate) || std::isnan(low) || std::isnan(high) || !(low <= rate + slack && rate <= high + slack))
        fail("rate_outside_interval", fmt::format("{:.6g} not in [{:.6g}, {:.6g}]", rate, low, high));
    if (!(d.confidence >= 0 && d.confidence <= 1)) fail("confidence_out_of_range", fmt::format("{}", d.confidence));
    if (!d.decided && d.leak) fail("undecided_leak", verdict);
    if (!d.decided && !(d.watch_more_s && *d.watch_more_s > 0))
        fail("undecided_without_watch_more", d.watch_more_s ? fmt::format("watch_more_s {}", *d.watch_more_s) : "no watch_more_s");
    if (d.settling_toward_bytes && d.leak) fail("settling_but_leak", fmt::format("{} settling toward {:.4g} B", verdict, *d.settling_toward_bytes));

    // The sentence: an undecided verdict may mention a possible leak; a decided one states its call.
    const bool no_leak_said = says_no_leak(d.summary);
    const bool leak_said = !no_leak_said && contains_ignoring_case(d.summary, kLeakWord);
    // The reports' rate tile and Trend row call a rate significant when its interval excludes zero, either
    // way; the sentence beside them may not say otherwise (a fall read "flat (-147 MB/h, not significant)").
    if (rate_significant(d) && contains_ignoring_case(d.summary, "not significant"))
        fail("significant_rate_said_not_significant", fmt::format("[{:.4g}, {:.4g}] B/s: {}", low, high, d.summary));
    if ((d.leak && no_leak_said) || (d.decided && !d.leak && leak_said))
        fail("summary_contradicts_leak", verdict + ": " + d.summary);
    if (d.decided && d.pattern != Pattern::insufficient_data && !(d.leak ? leak_said : no_leak_said))
        fail("summary_silent_on_verdict", verdict + ": " + d.summary);
    return out;
}

std::vector<Violation> check(const ProcessDiagnosis& p) {
    // The limit is on RSS: a process verdict owes a time to limit when RSS itself grows.
    const bool rss_grows = p.metric != "live_heap" || p.rss.rate_ci_low_bytes_per_s > 0;
    std::vector<Violation> out = check(p.verdict, rss_grows);
    auto add = [&out](std::string_view part, std::vector<Violation> found) {
        for (Violation& v : found) out.push_back({std::string(part) + v.name, std::move(v.detail)});
    };
    if (p.live_heap) {  // without a heap, rss is the verdict: checked above
        add("rss:", check(p.rss, true));
        add("live_heap:", check(*p.live_heap, false));
    }
    return out;
}

}  // namespace leakscope::diagnosis::invariants
