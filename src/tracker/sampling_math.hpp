// The two functions the sampler needs from libm, so that the tracker does not load libm into every
// program it is preloaded into (~0.1 ms of each process's start-up, measured on a shell running
// /bin/true): -ln(u) for the exponential gaps between samples, and 1 - e^-x for a block's chance of
// being sampled. Both run once per sample, not per allocation; accurate to a few units in the last place
// (tests/tracker/sampling_math_test.cpp checks them against libm).
#pragma once

#include <bit>
#include <cstdint>

namespace leakscope::tracker {

/// -ln(u) for 0 < u <= 1, u a normal number (the sampler's uniform draw is at least 2^-54).
inline double minus_log(double u) {
    const auto bits = std::bit_cast<std::uint64_t>(u);
    int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
    double m = std::bit_cast<double>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  // [1, 2)
    if (m > 1.4142135623730951) {  // [sqrt(1/2), sqrt(2)): the series below converges fastest there
        m *= 0.5;
        ++exponent;
    }
    // ln(m) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1), |s| <= 0.1716: the terms
    // past s^21 are below 1e-17 of the sum.
    const double s = (m - 1) / (m + 1);
    const double s2 = s * s;
    constexpr double kInverseOdd[] = {1.0 / 1,  1.0 / 3,  1.0 / 5,  1.0 / 7,  1.0 / 9,  1.0 / 11,
                                      1.0 / 13, 1.0 / 15, 1.0 / 17, 1.0 / 19, 1.0 / 21};
    double series = 0;
    for (int k = 10; k >= 0; --k) series = series * s2 + kInverseOdd[k];
    constexpr double kLn2 = 0.6931471805599453;
    return -(exponent * kLn2 + 2 * s * series);
}

/// 1 - e^-x for x >= 0 (libm's -expm1(-x)), exact to the last few bits for small x too, where 1 - exp(-x)
/// would lose them: a block of 16 bytes under a 512 KiB mean has x = 3e-5.
inline double one_minus_exp_minus(double x) {
    if (!(x > 0)) return 0;
    if (x < 0.5) {  // x - x^2/2! + x^3/3! - ...: the terms past x^18/18! are below 1e-17 of the sum
        double term = x, sum = x;
        for (int k = 2; k <= 18; ++k) {
            term *= -x / k;
            sum += term;
        }
        return sum;
    }
    if (x > 745) return 1;  // e^-x is below the smallest double
    // e^-x = 2^-k e^-r with r = x - k ln 2 in [0, ln 2): a series for e^-r, a power of two for 2^-k.
    constexpr double kLn2 = 0.6931471805599453;
    const int k = static_cast<int>(x / kLn2);
    const double r = x - k * kLn2;
    double term = 1, e_minus_r = 1;
    for (int n = 1; n <= 22; ++n) {
        term *= -r / n;
        e_minus_r += term;
    }
    // 2^-k, k <= 1074: a normal power of two while k <= 1022, else the product underflows to what is left.
    double power = 1;
    for (int left = k; left > 0;) {
        const int step = left > 1022 ? 1022 : left;
        power *= std::bit_cast<double>(static_cast<std::uint64_t>(1023 - step) << 52);
        left -= step;
    }
    return 1 - e_minus_r * power;
}

}  // namespace leakscope::tracker
