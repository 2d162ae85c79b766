// A report whose verdict is a decided "no leak" on the live heap calls no site a leak, and lists its
// sites by their growth (sites_beside_a_flat_heap.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "analysis/analysis.hpp"
#include "analysis/sites_beside_a_flat_heap.hpp"
#include "recording/recording_reader.hpp"

namespace leakscope::analysis {
namespace {

SiteReport site(const char* function, double rate, bool leak) {
    SiteReport s;
    s.function = function;
    s.diagnosis.steady_rate_bytes_per_s = rate;
    s.diagnosis.leak = leak;
    s.diagnosis.decided = true;
    return s;
}

diagnosis::ProcessDiagnosis flat_heap() {
    diagnosis::ProcessDiagnosis p;
    p.metric = "live_heap";
    p.verdict.pattern = diagnosis::Pattern::stable;
    p.verdict.decided = true;
    p.verdict.leak = false;
    return p;
}

TEST(SitesBesideAFlatHeap, NoSiteLeaksUnderADecidedFlatHeapAndTheFastestLeads) {
    std::vector<SiteReport> sites = {site("gains", 100e3, true), site("faster", 300e3, false), site("flat", 0, false)};
    agree_sites_with_a_flat_heap(flat_heap(), sites);
    EXPECT_FALSE(std::any_of(sites.begin(), sites.end(), [](const SiteReport& s) { return s.diagnosis.leak; }));
    EXPECT_EQ(sites[0].function, "faster");
    EXPECT_EQ(sites[1].function, "gains");
    EXPECT_NE(sites[1].diagnosis.summary.find("other sites give back"), std::string::npos) << sites[1].diagnosis.summary;
}

TEST(SitesBesideAFlatHeap, LeaksStandBesideALeakAnUndecidedVerdictOrRss) {
    for (int which = 0; which < 3; ++which) {
        diagnosis::ProcessDiagnosis p = flat_heap();
        if (which == 0) p.verdict.leak = true;
        if (which == 1) p.verdict.decided = false;
        if (which == 2) p.metric = "rss";  // fragmentation: its summary points at the heap's own sites
        std::vector<SiteReport> sites = {site("gains", 100e3, true), site("faster", 300e3, false)};
        agree_sites_with_a_flat_heap(p, sites);
        EXPECT_TRUE(sites[0].diagnosis.leak) << which;
        EXPECT_EQ(sites[0].function, "gains") << which;
    }
}

TEST(SitesBesideAFlatHeap, FragmentationBesideAFlatHeapCallsNoSiteALeakBesideAGrowingOneItDoes) {
    // The heap: flat, rising too slowly yet to decide on, or a leak of its own (the verdict then says
    // "look at its sites").
    for (const int heap : {0, 1, 2}) {
        diagnosis::ProcessDiagnosis p = flat_heap();
        p.metric = "rss";
        p.verdict.pattern = diagnosis::Pattern::fragmentation;
        p.live_heap.emplace();
        p.live_heap->pattern = heap == 0 ? diagnosis::Pattern::stable : diagnosis::Pattern::linear_growth;
        p.live_heap->decided = heap != 1;
        p.live_heap->leak = heap == 2;
        std::vector<SiteReport> sites = {site("gains", 100e3, true), site("faster", 300e3, false)};
        agree_sites_with_a_flat_heap(p, sites);
        EXPECT_EQ(sites[0].function, heap == 2 ? "gains" : "faster") << heap;
        EXPECT_EQ(std::count_if(sites.begin(), sites.end(), [](const SiteReport& s) { return s.diagnosis.leak; }), heap == 2 ? 1 : 0)
            << heap;
    }
}

TEST(SitesBesideAFlatHeap, ASettlingCachesSitesArePartOfItsWarmup) {
    // tests/data/recordings/py_dns_cache_settling.py under full tracking (s17 real programs): a resolver
    // cache filling ever more slowly. "No leak — still settling" above a site "+604 MB/h, leak" listed
    // before one growing +1.11 GB/h, under "most steady growth first".
    const Analysis a = analyze(recording::read_recording(std::string(LEAKSCOPE_RECORDINGS_DIR) + "/py_dns_cache_settling_tracked.lks"), {});
    ASSERT_FALSE(a.process.verdict.leak) << a.process.verdict.summary;
    ASSERT_TRUE(a.process.verdict.settling_toward_bytes) << a.process.verdict.summary;
    ASSERT_GE(a.sites.size(), 2u);
    for (const auto& s : a.sites) EXPECT_FALSE(s.diagnosis.leak) << s.function << ": " << s.diagnosis.summary;
    EXPECT_TRUE(std::is_sorted(a.sites.begin(), a.sites.end(), [](const SiteReport& x, const SiteReport& y) {
        return x.diagnosis.steady_rate_bytes_per_s > y.diagnosis.steady_rate_bytes_per_s;
    }));
    const auto told = std::count_if(a.sites.begin(), a.sites.end(), [](const SiteReport& s) {
        return s.diagnosis.summary.find("part of the live heap's warm-up") != std::string::npos;
    });
    EXPECT_GE(told, 1);
}

}  // namespace
}  // namespace leakscope::analysis
