#include "analysis/heap_growth_without_sites.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "diagnosis/severity_projection.hpp"
#include "diagnosis/summary_text.hpp"
#include "diagnosis/undecided.hpp"
#include "diagnosis/units.hpp"

#include "analysis/site_called_a_leak.hpp"

namespace leakscope::analysis {
namespace {

/// The site that carries most of the heap's rate, when one does.
SiteReport* site_carrying_the_rise(std::vector<SiteReport>& sites, double heap_rate) {
    SiteReport* top = nullptr;
    for (SiteReport& s : sites)
        if (!top || s.diagnosis.steady_rate_bytes_per_s > top->diagnosis.steady_rate_bytes_per_s) top = &s;
    return top && top->diagnosis.steady_rate_bytes_per_s >= kOneSiteShareOfRate * heap_rate ? top : nullptr;
}

/// Why the sites do not carry the rise: one site holds it and is no leak, no site grows steadily, or the
/// sites that grow hold objects a garbage collector frees.
enum class SitesSay { one_site_no_leak, none_grows, grow_ahead_of_collections };

/// `carrier`: the one site holding the rise (SitesSay::one_site_no_leak).
void undecide(diagnosis::Diagnosis& d, double watched_s, SitesSay sites_say, const SiteReport* carrier) {
    // As long again: the leak's site, if there is one, doubles its rise while the noise does not.
    diagnosis::detail::make_undecided(d, watched_s);
    d.severity = diagnosis::detail::grade(d, false, d.baseline_bytes);  // pressure near a limit still counts
    const std::string rate = diagnosis::detail::rate_with_interval(d);
    const std::string wait = diagnosis::format_duration(*d.watch_more_s);
    switch (sites_say) {
        case SitesSay::one_site_no_leak:
            d.summary = fmt::format("The live heap grows {}, most of it at one call site, {}, whose own rise is not a leak: too "
                                    "few or too uneven steps to stand out of its ups and downs once every site is tested. "
                                    "Too early to tell a leak from a cache still filling: watch at least {} more.",
                                    rate, carrier->function, wait);
            break;
        case SitesSay::none_grows:
            d.summary = fmt::format("The live heap grows {}, but no call site grows steadily: the rise is the sum of sites going "
                                    "up and down, where a leak's site would grow on its own. Too early to tell a leak from "
                                    "noise: watch at least {} more.",
                                    rate, wait);
            break;
        case SitesSay::grow_ahead_of_collections:
            d.summary = fmt::format("The live heap grows {}, a weak trend, and the call sites that grow allocate for objects the "
                                    "garbage collector frees (V8 releases a native handle when it collects its wrapper): they "
                                    "grow ahead of its collections as its own heap does, no witness of a leak yet. Too early "
                                    "to tell: watch at least {} more.",
                                    rate, wait);
            break;
    }
}

/// The sentence appended to RSS's verdict when it stands over the heap's rise.
std::string why_the_rise_did_not_count(SitesSay sites_say, double heap_rate, const SiteReport* carrier) {
    const std::string rate = diagnosis::format_rate(heap_rate);
    switch (sites_say) {
        case SitesSay::one_site_no_leak:
            return fmt::format(" The live heap's rise ({}) is one call site's, {}, whose own growth is no leak.", rate, carrier->function);
        case SitesSay::none_grows:
            return fmt::format(" The live heap's rise ({}) is the sum of sites going up and down: no site grows steadily.", rate);
        case SitesSay::grow_ahead_of_collections:
            return fmt::format(" The live heap's rise ({}) is a weak trend, and its growing sites hold objects the garbage collector frees.",
                               rate);
    }
    return "";
}

}  // namespace

// A Python service making a logger per request: pymalloc's 1 MiB arenas carried the heap's rise, each
// charged to whatever code needed one, and the heap's interval was weak (133 to 765 MB/h); RSS read
// 611 MB/h, the heap 595 MB/h.
bool rss_corroborates_heap_leak(const diagnosis::ProcessDiagnosis& process) {
    const diagnosis::Diagnosis& rss = process.rss;
    const diagnosis::Diagnosis& heap = process.verdict;
    // Paces that agree: their intervals overlap (60 s of the same service: RSS 159-187 kB/s, the heap
    // 139-171 kB/s).
    return rss.leak && rss.decided && rss.rate_ci_low_bytes_per_s <= heap.rate_ci_high_bytes_per_s &&
           heap.rate_ci_low_bytes_per_s <= rss.rate_ci_high_bytes_per_s;
}

void undecide_heap_growth_no_site_carries(const Recording& recording, double until_t_s, std::vector<SiteReport>& sites,
                                          bool collected_runtime, diagnosis::ProcessDiagnosis& process) {
    auto& verdict = process.verdict;
    if (recording.info.tracker_mode != "full" || process.metric != "live_heap") return;
    if (!verdict.leak || !verdict.decided || process.rss_growth == diagnosis::RssGrowth::heap_in_steps) return;
    if (!recording.tracking_lost.empty() || sites.empty() || recording.samples.empty()) return;
    const bool weak_trend = verdict.rate_ci_low_bytes_per_s < kWeakLowShareOfRate * verdict.steady_rate_bytes_per_s;
    // A leaking site is the second witness, except in a collected runtime: node's native objects (crypto
    // handles, buffers) are freed when V8 collects their JS wrappers, so their sites climb between its
    // collections like its heap (node_push_gateway_app_config_settling, a settling config cache: Hmac::New
    // and BaseObject "leaking" 40 kB/s each under a heap whose sawtooth floor rose 49.2 MB/h, 95% CI 3.60
    // to 149 MB/h, read "Leak" where RSS alone waited).
    const bool sites_leak = std::any_of(sites.begin(), sites.end(), [](const SiteReport& s) { return s.diagnosis.leak; });
    if (sites_leak && !(collected_runtime && weak_trend)) return;
    // One site holding the rise and judged no leak on it: the two tests disagree about the same bytes,
    // and the heap's is the one that had no other sites to answer for. A tile server's glyph atlas,
    // opening 512 KiB pages ever more rarely (a settling cache): "Leak: grows in 4 steps ... 1.35 GB/h
    // (95% CI 375 MB/h to 4.12 GB/h)" on the heap while its one growing site, 83% of that rate, was no
    // leak (q 0.24).
    SiteReport* carrier = weak_trend ? nullptr : site_carrying_the_rise(sites, verdict.steady_rate_bytes_per_s);
    if (!weak_trend && !carrier) return;
    // The tracker's evidence may only add to what RSS alone shows: RSS's leak at the heap's pace, or, for a
    // plain rise one site holds, any leak RSS decided (a std::vector doubling its capacity: the heap in three
    // steps, 1.22 GB/h, 95% CI 822 MB/h to 1.49 GB/h, while RSS filled its pages at 2.04 GB/h, 1.64 to 2.31,
    // replication_outbox_doubling_leak in session 25's run; its one site, with three steps, no leak on its own).
    if (rss_corroborates_heap_leak(process)) return;
    if (carrier && process.rss.leak && process.rss.decided) {
        // The leak stands, and the site holding the heap's rise is where it is: its own test, stricter for
        // testing every site, had too few steps to say so alone.
        call_site_a_leak(*carrier, "it holds the heap's rise, whose leak RSS's own decided leak corroborates; its own test, "
                                   "stricter for testing every site, had too few steps to say so alone.");
        carrier->diagnosis.decided = true;
        return;
    }
    const double from_s = verdict.onset_s.value_or(verdict.warmup_end_s);
    const double watched_s = std::min(until_t_s, recording.samples.back().t_s) - from_s;
    if (!(watched_s > 0)) return;
    const SitesSay sites_say = sites_leak ? SitesSay::grow_ahead_of_collections
                               : carrier  ? SitesSay::one_site_no_leak
                                          : SitesSay::none_grows;
    undecide(verdict, watched_s, sites_say, carrier);
    if (process.live_heap && process.live_heap->leak) process.live_heap = verdict;
    // RSS alone decided "no leak", and the sites have just taken back the only evidence against it: the
    // tracker's evidence may only add to what RSS shows, so RSS's verdict stands, saying why the heap's
    // rise did not count. (The glyph atlas: RSS "warm-up of 30.6 MB, then flat: no leak".)
    const diagnosis::Diagnosis& rss = process.rss;
    if (rss.decided && !rss.leak) {
        const double heap_rate = verdict.steady_rate_bytes_per_s;
        verdict = rss;
        process.metric = "rss";
        verdict.summary += why_the_rise_did_not_count(sites_say, heap_rate, carrier);
    }
}

}  // namespace leakscope::analysis
