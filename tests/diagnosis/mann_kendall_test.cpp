#include "diagnosis/mann_kendall.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace leakscope::diagnosis {
namespace {

std::vector<double> indices(std::size_t n) {
    std::vector<double> x(n);
    std::iota(x.begin(), x.end(), 1.0);
    return x;
}

// Deterministic standard normals (splitmix64 + Box–Muller) for the noise tests.
struct Normals {
    std::uint64_t state;
    double uniform() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return (static_cast<double>((z ^ (z >> 31)) >> 11) + 0.5) * 0x1.0p-53;
    }
    double operator()() { return std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); }
};

TEST(MannKendall, HolyCrossWorkedExample) {
    // "A Mann-Kendall Example (By Hand)", Holy Cross: S = 54, one tied pair,
    // V = 14*13*33/18 - 2*1*9/18 = 332.667, Z = (S-1)/sqrt(V) = 2.9058, one-sided p = .0018.
    const std::vector<double> y{12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7};
    const TrendTest test = mann_kendall(indices(y.size()), y, {.hamed_rao = false});
    EXPECT_EQ(test.s, 54);
    EXPECT_NEAR(test.variance, 332.6667, 1e-3);
    EXPECT_NEAR(test.z, 2.9058, 1e-4);
    EXPECT_NEAR(test.p_value / 2, 0.0018, 1e-4);
}

TEST(MannKendall, HandComputedFivePoints) {
    // 1 2 4 3 5: 9 concordant pairs, 1 discordant -> S = 8; Var = 5*4*15/18 = 16.667; Z = 7/4.082.
    const TrendTest test = mann_kendall(indices(5), std::vector<double>{1, 2, 4, 3, 5}, {.hamed_rao = false});
    EXPECT_EQ(test.s, 8);
    EXPECT_NEAR(test.variance, 16.6667, 1e-4);
    EXPECT_NEAR(test.z, 1.7146, 1e-4);
    EXPECT_NEAR(test.p_value, 0.0864, 1e-4);
}

TEST(MannKendall, DecreasingSeriesHasNegativeZ) {
    std::vector<double> y(30);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = 100.0 - static_cast<double>(i);
    const TrendTest test = mann_kendall(indices(30), y);
    EXPECT_EQ(test.s, -435);  // every pair discordant: -n(n-1)/2
    EXPECT_LT(test.z, 0);
    EXPECT_LT(test.p_value, 1e-6);
}

TEST(MannKendall, HamedRaoInflatesVarianceForAutocorrelatedNoise) {
    Normals normal{7};
    const std::size_t n = 400;
    std::vector<double> white(n), red(n);
    double ar = 0;
    for (std::size_t i = 0; i < n; ++i) {
        white[i] = normal();
        ar = 0.85 * ar + normal();
        red[i] = ar;
    }
    const TrendTest on_white = mann_kendall(indices(n), white);
    const TrendTest on_red = mann_kendall(indices(n), red);
    EXPECT_NEAR(on_white.correction_factor, 1.0, 0.5);
    // For AR(1) with phi = 0.85 the variance of S grows several-fold (n/n* ~ (1+phi)/(1-phi) = 12 for
    // the raw series; less for ranks and after detrending).
    EXPECT_GT(on_red.correction_factor, 3.0);
    EXPECT_GT(on_red.variance, on_red.variance_independent * 3.0);
}

TEST(MannKendall, FalseAlarmRateOnAutocorrelatedNoiseStaysNearAlpha) {
    // Without the correction, AR(1) noise with phi = 0.7 is "significant" far more often than alpha.
    Normals normal{11};
    int corrected = 0, uncorrected = 0;
    const int runs = 200;
    for (int run = 0; run < runs; ++run) {
        std::vector<double> y(150);
        double ar = 0;
        for (double& value : y) value = ar = 0.7 * ar + normal();
        corrected += mann_kendall(indices(y.size()), y).p_value < 0.05;
        uncorrected += mann_kendall(indices(y.size()), y, {.hamed_rao = false}).p_value < 0.05;
    }
    EXPECT_GT(uncorrected, 3 * corrected);
    EXPECT_LE(corrected, runs * 0.12);
}

}  // namespace
}  // namespace leakscope::diagnosis

namespace leakscope::diagnosis {
namespace {

TEST(MannKendall, Ar1FromDifferencesIgnoresTrendAndSteps) {
    std::vector<double> white(2000), red(2000), staircase(2000);
    std::uint64_t state = 17;
    auto normal = [&] {
        auto uniform = [&] {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return (static_cast<double>(state >> 11) + 0.5) * 0x1.0p-53;
        };
        return std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
    };
    double ar = 0;
    for (std::size_t i = 0; i < white.size(); ++i) {
        white[i] = 5.0 * static_cast<double>(i) + normal();  // trend + white noise
        ar = 0.7 * ar + normal();
        red[i] = ar;
        staircase[i] = 100.0 * static_cast<double>(i / 400) + normal();
    }
    EXPECT_LT(ar1_from_differences(white), 0.1);
    EXPECT_NEAR(ar1_from_differences(red), 0.7, 0.1);
    EXPECT_LT(ar1_from_differences(staircase), 0.1);
}

}  // namespace
}  // namespace leakscope::diagnosis
