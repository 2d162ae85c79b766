#include "diagnosis/sites.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "diagnosis/diagnosis.hpp"
#include "series_builders.hpp"

namespace leakscope::diagnosis {
namespace {

using testing::kMB;
using testing::make_series;

TEST(BenjaminiHochberg, HandComputedExample) {
    // p sorted: .005 (1) .01 (2) .03 (3) .04 (4); p*m/rank = .02 .02 .04 .04; running minimum from the top.
    const std::vector<double> p{0.01, 0.04, 0.03, 0.005};
    const std::vector<double> q = benjamini_hochberg(p);
    EXPECT_DOUBLE_EQ(q[0], 0.02);
    EXPECT_DOUBLE_EQ(q[1], 0.04);
    EXPECT_DOUBLE_EQ(q[2], 0.04);
    EXPECT_DOUBLE_EQ(q[3], 0.02);
    EXPECT_TRUE(benjamini_hochberg({}).empty());
}

TEST(DiagnoseSites, RanksTheLeakingCacheFirstAndCallsWarmupNoLeak) {
    const Series grid = make_series(400, 1.0, [](double) { return 0.0; }, 0);
    std::vector<SiteInput> sites;
    for (int k = 0; k < 30; ++k)  // flat sites: noise only
        sites.push_back({make_series(400, 1.0, [](double) { return 2 * kMB; }, 20e3, 100 + k).value});
    // A JIT cache: fills in the first minute, then flat.
    sites.push_back({make_series(400, 1.0, [](double t) { return 8 * kMB * std::min(1.0, t / 60.0); }, 20e3, 7).value});
    // A cache without eviction: 4 KB per second, for ever.
    sites.push_back({make_series(400, 1.0, [](double t) { return 1 * kMB + 4096.0 * t; }, 20e3, 8).value});

    const auto verdicts = diagnose_sites(grid.t_s, sites, {});
    ASSERT_EQ(verdicts.size(), sites.size());
    EXPECT_EQ(verdicts[0].index, 31u);
    EXPECT_TRUE(verdicts[0].diagnosis.leak);
    EXPECT_NEAR(verdicts[0].diagnosis.steady_rate_bytes_per_s, 4096.0, 4096.0 * 0.05);
    EXPECT_LT(verdicts[0].q_value, kSiteFalseDiscoveryRate);
    for (std::size_t k = 1; k < verdicts.size(); ++k) {
        EXPECT_FALSE(verdicts[k].diagnosis.leak) << "site " << verdicts[k].index;
        if (verdicts[k].index == 30) {
            EXPECT_EQ(verdicts[k].diagnosis.pattern, Pattern::warmup_plateau);
        }
    }
}

TEST(DiagnoseSites, RejectsSitesOffTheGrid) {
    const std::vector<double> grid{0, 1, 2};
    EXPECT_THROW(diagnose_sites(grid, {SiteInput{{1, 2}}}, {}), std::invalid_argument);
    EXPECT_THROW(diagnose_sites(grid, {SiteInput{{1, 2, 3}}}, {1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace leakscope::diagnosis
