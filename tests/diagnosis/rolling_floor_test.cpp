#include "diagnosis/rolling_floor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace leakscope::diagnosis {
namespace {

TEST(RollingFloor, MatchesBruteForce) {
    std::vector<double> values(257);
    std::uint64_t state = 1;
    for (double& value : values) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        value = static_cast<double>(state >> 40);
    }
    for (std::size_t window : {1u, 2u, 5u, 16u, 300u}) {
        const auto low = rolling_min(values, window), high = rolling_max(values, window);
        const std::size_t half = window / 2;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const auto first = values.begin() + static_cast<std::ptrdiff_t>(i >= half ? i - half : 0);
            const auto last = values.begin() + static_cast<std::ptrdiff_t>(std::min(values.size(), i + half + 1));
            ASSERT_EQ(low[i], *std::min_element(first, last)) << "window " << window << " at " << i;
            ASSERT_EQ(high[i], *std::max_element(first, last)) << "window " << window << " at " << i;
        }
    }
    EXPECT_TRUE(rolling_min(std::vector<double>{}, 3).empty());
}

}  // namespace
}  // namespace leakscope::diagnosis
