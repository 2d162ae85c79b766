#include "diagnosis_bench/synthetic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace leakscope::diagnosis::synthetic {
namespace {

TEST(Synthetic, SameSeedSameSeries) {
    for (Pattern pattern : kGeneratedPatterns) {
        const LabelledSeries a = generate(pattern, 42), b = generate(pattern, 42);
        EXPECT_EQ(a.series.rss.value, b.series.rss.value) << to_string(pattern);
        EXPECT_EQ(a.description, b.description);
    }
}

TEST(Synthetic, SeriesAreWellFormedAndLabelled) {
    for (Pattern pattern : kGeneratedPatterns) {
        for (std::uint64_t seed = 0; seed < 20; ++seed) {
            const LabelledSeries s = generate(pattern, seed, {.max_samples = 3000});
            const Series& rss = s.series.rss;
            ASSERT_EQ(rss.t_s.size(), rss.value.size());
            ASSERT_GE(rss.t_s.size(), 20u) << s.description;  // >= 30 drawn, a few may go missing
            for (std::size_t i = 1; i < rss.t_s.size(); ++i) ASSERT_GT(rss.t_s[i], rss.t_s[i - 1]);
            EXPECT_EQ(s.pattern, pattern);
            const bool growth_pattern = pattern == Pattern::linear_growth || pattern == Pattern::staircase_growth ||
                                        pattern == Pattern::accelerating_growth;
            if (growth_pattern) {
                EXPECT_TRUE(s.leak);
            }
            if (pattern == Pattern::stable || pattern == Pattern::warmup_plateau || pattern == Pattern::fragmentation) {
                EXPECT_FALSE(s.leak);
            }
            if (s.leak) {
                EXPECT_GE(s.true_rate_bytes_per_s, 128.0);
            }
            if (pattern == Pattern::fragmentation) {
                ASSERT_TRUE(s.series.live_heap.has_value());
                EXPECT_EQ(s.series.live_heap->t_s, rss.t_s);
            }
        }
    }
    EXPECT_THROW(generate(Pattern::insufficient_data, 1), std::invalid_argument);
}

TEST(Synthetic, RealProgramClassesAreWellFormedAndLabelled) {
    for (RealProgramClass kind : kRealProgramClasses) {
        std::size_t leaks = 0, with_heap = 0;
        for (std::uint64_t seed = 0; seed < 30; ++seed) {
            const LabelledSeries s = generate(kind, seed, {.max_samples = 3000});
            const LabelledSeries again = generate(kind, seed, {.max_samples = 3000});
            EXPECT_EQ(s.series.rss.value, again.series.rss.value) << to_string(kind);
            const Series& rss = s.series.rss;
            ASSERT_EQ(rss.t_s.size(), rss.value.size());
            ASSERT_GE(rss.t_s.size(), 20u) << s.description;
            for (std::size_t i = 1; i < rss.t_s.size(); ++i) ASSERT_GT(rss.t_s[i], rss.t_s[i - 1]) << s.description;
            for (double v : rss.value) ASSERT_TRUE(std::isfinite(v) && v >= 0) << s.description;
            if (s.series.live_heap) {
                EXPECT_EQ(s.series.live_heap->t_s, rss.t_s);
                ++with_heap;
            }
            if (s.leak) {
                EXPECT_GE(s.true_rate_bytes_per_s, 128.0) << s.description;
                ++leaks;
            }
            switch (kind) {
                case RealProgramClass::late_onset:
                    EXPECT_TRUE(s.leak);
                    EXPECT_EQ(s.pattern, Pattern::linear_growth);
                    EXPECT_TRUE(s.series.live_heap.has_value()) << "RSS and heap together";
                    break;
                case RealProgramClass::capacity_doubling: {
                    EXPECT_TRUE(s.leak);
                    ASSERT_TRUE(s.series.live_heap.has_value());
                    // The heap's largest rise between two samples is a doubling: far above its median rise.
                    const std::vector<double>& heap = s.series.live_heap->value;
                    double biggest = 0;
                    for (std::size_t i = 1; i < heap.size(); ++i) biggest = std::max(biggest, heap[i] - heap[i - 1]);
                    EXPECT_GT(biggest, 0.2 * (heap.back() - heap.front())) << s.description;
                    break;
                }
                case RealProgramClass::page_creep:
                    EXPECT_FALSE(s.leak);
                    EXPECT_FALSE(s.series.live_heap.has_value()) << "RSS only";
                    for (double v : rss.value) ASSERT_EQ(std::fmod(v, 4096.0), 0.0) << "whole pages";
                    break;
                case RealProgramClass::saturating_warmup: {
                    EXPECT_FALSE(s.leak);
                    EXPECT_EQ(s.pattern, Pattern::warmup_plateau);
                    // Decelerating: the first half of the run gains far more than the second.
                    const std::size_t n = rss.value.size();
                    EXPECT_GT(rss.value[n / 2] - rss.value.front(), 4 * std::fabs(rss.value.back() - rss.value[n / 2])) << s.description;
                    break;
                }
                case RealProgramClass::teardown: {
                    // The last sample lies at least 30% below the one before the teardown began (up to 3 back).
                    const std::size_t n = rss.value.size();
                    EXPECT_LT(rss.value[n - 1], 0.7 * std::max({rss.value[n - 2], rss.value[n - 3], rss.value[n - 4]}) + 1) << s.description;
                    break;
                }
            }
        }
        if (kind == RealProgramClass::teardown) {
            EXPECT_GT(leaks, 0u);  // drawn from every pattern, leaking or not
            EXPECT_LT(leaks, 30u);
        }
        if (kind == RealProgramClass::late_onset || kind == RealProgramClass::capacity_doubling) {
            EXPECT_EQ(with_heap, 30u);
        }
    }
}

}  // namespace
}  // namespace leakscope::diagnosis::synthetic
