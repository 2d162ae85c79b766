#include "diagnosis_bench/synthetic.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace leakscope::diagnosis::synthetic
