// Benjamini–Hochberg (1995) adjusted p-values (q-values): controls the share of false discoveries
// when hundreds of allocation sites are tested for a trend at once.
#pragma once

#include <span>
#include <vector>

namespace leakscope::diagnosis {

/// q_i = min over j with p_(j) >= p_i of p_(j) * m / rank(j), capped at 1. Same order as the input.
std::vector<double> benjamini_hochberg(std::span<const double> p_values);

/// The false discovery rate diagnose_sites controls its leak calls at.
inline constexpr double kSiteFalseDiscoveryRate = 0.05;

}  // namespace leakscope::diagnosis
