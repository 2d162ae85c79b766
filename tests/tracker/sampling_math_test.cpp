// The sampler's own -ln(u) and 1 - e^-x (src/tracker/sampling_math.hpp) against libm's.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "sampling_math.hpp"

namespace leakscope::tracker {
namespace {

double relative_error(double got, double want) { return want == 0 ? std::fabs(got) : std::fabs(got - want) / std::fabs(want); }

TEST(SamplingMath, MinusLogMatchesLibmOverTheSamplersWholeRange) {
    // The uniform draws are (k + 0.5) / 2^53: from 2^-54 to just under 1, every binade.
    std::mt19937_64 random(20261206);
    double worst = 0;
    for (int i = 0; i < 200000; ++i) {
        const double u = (static_cast<double>(random() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        worst = std::max(worst, relative_error(minus_log(u), -std::log(u)));
    }
    for (int exponent = -54; exponent <= 0; ++exponent) {
        for (const double mantissa : {1.0, 1.25, 1.4142135623730951, 1.4142135623730954, 1.75, 1.9999999999999998}) {
            const double u = std::ldexp(mantissa, exponent);
            if (u > 1) continue;
            worst = std::max(worst, relative_error(minus_log(u), -std::log(u)));
        }
    }
    EXPECT_LT(worst, 1e-14);
    EXPECT_EQ(minus_log(1.0), 0.0);
    EXPECT_NEAR(minus_log(0.5), std::log(2.0), 1e-16);
}

TEST(SamplingMath, OneMinusExpMinusMatchesExpm1FromTinyBlocksToHugeOnes) {
    // size / mean: a 1-byte block under a 1 GiB mean up to a 100 GiB block under 1 byte.
    double worst = 0;
    for (double x = 1e-12; x < 1000; x *= 1.0137) worst = std::max(worst, relative_error(one_minus_exp_minus(x), -std::expm1(-x)));
    for (const double x : {0.49999999999999994, 0.5, 0.6931471805599453, 1.0, 36.0, 37.5, 700.0, 744.0, 745.5, 1e6})
        worst = std::max(worst, relative_error(one_minus_exp_minus(x), -std::expm1(-x)));
    EXPECT_LT(worst, 1e-14);
    EXPECT_EQ(one_minus_exp_minus(0.0), 0.0);
    EXPECT_EQ(one_minus_exp_minus(-1.0), 0.0);
}

}  // namespace
}  // namespace leakscope::tracker
