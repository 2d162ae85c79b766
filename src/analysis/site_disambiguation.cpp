#include "analysis/site_disambiguation.hpp"

#include <algorithm>
#include <map>

namespace leakscope::analysis {
namespace {

/// Index of the first frame where a and b differ (the shorter one's length when one extends the other).
std::size_t first_difference(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    const auto mismatch = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return static_cast<std::size_t>(mismatch.first - a.begin());
}

}  // namespace

std::vector<std::string> distinguishing_frames(const std::vector<std::string>& labels,
                                               const std::vector<const std::vector<std::string>*>& stacks) {
    std::vector<std::string> via(labels.size());
    std::map<std::string, std::vector<std::size_t>> rows_by_label;
    for (std::size_t i = 0; i < labels.size(); ++i) rows_by_label[labels[i]].push_back(i);
    for (const auto& [label, rows] : rows_by_label) {
        if (rows.size() < 2) continue;
        for (std::size_t i : rows) {
            // Deep enough to differ from every other row of the group.
            std::size_t depth = 0;
            for (std::size_t j : rows)
                if (j != i) depth = std::max(depth, first_difference(*stacks[i], *stacks[j]));
            if (depth < stacks[i]->size()) via[i] = (*stacks[i])[depth];
        }
    }
    return via;
}

}  // namespace leakscope::analysis
