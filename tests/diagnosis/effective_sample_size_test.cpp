#include "diagnosis/effective_sample_size.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace leakscope::diagnosis {
namespace {

std::vector<double> ar1(double phi, std::size_t n, std::uint64_t seed) {
    std::vector<double> out(n);
    double value = 0;
    for (std::size_t i = 0; i < n; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u1 = (static_cast<double>(seed >> 11) + 0.5) * 0x1.0p-53;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u2 = static_cast<double>(seed >> 11) * 0x1.0p-53;
        value = phi * value + std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        out[i] = value;
    }
    return out;
}

TEST(EffectiveSampleSize, WhiteNoiseKeepsNearlyAllSamples) {
    const auto noise = ar1(0.0, 4000, 3);
    EXPECT_GT(effective_sample_size(noise), 0.8 * 4000);
}

TEST(EffectiveSampleSize, Ar1MatchesTheory) {
    // n (1 - phi) / (1 + phi) for AR(1): 4000 * 0.2 / 1.8 = 444.
    const auto noise = ar1(0.8, 4000, 5);
    const double ess = effective_sample_size(noise);
    EXPECT_GT(ess, 444 * 0.6);
    EXPECT_LT(ess, 444 * 1.5);
}

TEST(EffectiveSampleSize, BoundedForShortAndConstantInput) {
    EXPECT_EQ(effective_sample_size(std::vector<double>{1, 2}), 2.0);
    // Seven residuals with a lag-1 correlation: too few to estimate it, all are kept.
    EXPECT_EQ(effective_sample_size(std::vector<double>{-2, -1, 0, 1, 2, 1, 0}), 7.0);
    EXPECT_EQ(effective_sample_size(std::vector<double>(50, 3.0)), 50.0);
}

}  // namespace
}  // namespace leakscope::diagnosis
