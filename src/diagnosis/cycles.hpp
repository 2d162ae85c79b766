// Repeated rise-and-drop cycles: a bounded sawtooth (gradual rise, sharp drop: history lists
// truncated at a cap) or periodic spikes (short excursions that are released again: batches).
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace leakscope::diagnosis::detail {

enum class CycleKind { none, sawtooth, spikes };

struct CycleAnalysis {
    CycleKind kind = CycleKind::none;
    std::size_t drops = 0;        ///< sharp drops of at least the threshold
    double period_bins = 0;       ///< median interval between drops
    double amplitude = 0;         ///< median drop size
    double duty = 0;              ///< median share of a cycle spent in the upper half of the tooth
    double interval_cv = 0;       ///< regularity of the drops (coefficient of variation)
    double rise = 0;              ///< median share of a cycle the climb from 1/4 to 3/4 of the tooth takes
    double inner_fall = 0;        ///< median over the teeth of the largest fall inside one, as a share of its drop
    std::vector<char> excursion;  ///< bins inside a spike (spikes only): excluded from the baseline
    std::vector<std::size_t> troughs;  ///< sawtooth only: the lowest bin of each cycle after a drop
    /// Sawtooth only: each whole tooth seen, from a drop's bottom to the bin before the next drop's
    /// peak (the first fill, before any drop, and the last tooth, cut by the run's end, are not whole).
    std::vector<std::pair<std::size_t, std::size_t>> teeth;
    /// Every sharp fall found, cycle or not (the bin before it and its size): a release of memory.
    std::vector<std::pair<std::size_t, double>> falls;
};

/// values: uniformly spaced. threshold: the smallest drop that counts (well above the noise).
CycleAnalysis analyse_cycles(std::span<const double> values, double threshold);

}  // namespace leakscope::diagnosis::detail
