#include "report/sparkline.hpp"

#include <algorithm>
#include <cmath>

namespace leakscope::report {

std::string sparkline(const std::vector<double>& values, std::size_t width) {
    static const char* const kBlocks[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
    std::vector<double> finite;
    for (double v : values)
        if (std::isfinite(v)) finite.push_back(v);
    if (finite.empty() || width == 0) return {};
    std::size_t cells = std::min(width, finite.size());
    std::vector<double> peaks;
    for (std::size_t c = 0; c < cells; ++c) {
        std::size_t begin = c * finite.size() / cells, end = (c + 1) * finite.size() / cells;
        peaks.push_back(*std::max_element(finite.begin() + static_cast<long>(begin), finite.begin() + static_cast<long>(end)));
    }
    double lo = *std::min_element(peaks.begin(), peaks.end()), hi = *std::max_element(peaks.begin(), peaks.end());
    double span = std::max(hi - lo, 0.25 * std::fabs(hi));
    std::string line;
    for (double v : peaks) {
        int level = span > 0 ? static_cast<int>((v - lo) / span * 7.999) : 0;
        line += kBlocks[std::clamp(level, 0, 7)];
    }
    return line;
}

}  // namespace leakscope::report
