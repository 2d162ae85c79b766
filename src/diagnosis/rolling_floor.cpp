#include "diagnosis/rolling_floor.hpp"

#include <algorithm>
#include <deque>
#include <functional>

namespace leakscope::diagnosis {
namespace {

template <typename Better>
std::vector<double> rolling_extreme(std::span<const double> values, std::size_t window, Better better) {
    const std::size_t n = values.size();
    std::vector<double> out(n);
    if (n == 0) return out;
    const std::size_t half = std::max<std::size_t>(window, 1) / 2;
    std::deque<std::size_t> candidates;  // indices whose values are monotone in `better` order
    std::size_t next = 0;                // next index to enter the window
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t last = std::min(n - 1, i + half);
        for (; next <= last; ++next) {
            while (!candidates.empty() && !better(values[candidates.back()], values[next])) candidates.pop_back();
            candidates.push_back(next);
        }
        const std::size_t first = i >= half ? i - half : 0;
        while (candidates.front() < first) candidates.pop_front();
        out[i] = values[candidates.front()];
    }
    return out;
}

}  // namespace

std::vector<double> rolling_min(std::span<const double> values, std::size_t window) {
    return rolling_extreme(values, window, std::less<double>{});
}

std::vector<double> rolling_max(std::span<const double> values, std::size_t window) {
    return rolling_extreme(values, window, std::greater<double>{});
}

}  // namespace leakscope::diagnosis
