// Per-site live bytes at a few cycles of a measurement (tracker only), and from them the sites that grow
// per cycle in steady state. Buffers are allocated before the first measured cycle, so taking a
// snapshot between cycles adds nothing to the live heap being measured.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tracker/tracker_abi.h"
#include "leakscope/cycles.hpp"

namespace leakscope::detail {

class SiteGrowth {
public:
    /// `at_cycles`: the cycles after which snapshots are taken (sorted, unique).
    SiteGrowth(leakscope_tracker_sites_fn sites, std::vector<std::size_t> at_cycles,
               std::size_t capacity = 4096);

    /// The next cycle at which take() is due; SIZE_MAX when all are taken.
    std::size_t next_cycle() const;
    /// Takes the snapshot due at next_cycle(); allocates nothing.
    void take();

    /// Sites whose live bytes grew from the first snapshot at or after `steady_from_cycle` to the last,
    /// largest growth first, at most `max_sites`, named as the CLI names sites (name_sites).
    std::vector<Site> top_growing(double steady_from_cycle, std::size_t max_sites) const;

private:
    struct Snapshot {
        std::size_t cycle = 0;
        std::size_t count = 0;
        std::vector<leakscope_tracker_site> sites;
    };
    leakscope_tracker_sites_fn sites_fn_;
    std::vector<Snapshot> snapshots_;
    std::size_t taken_ = 0;
};

/// Fills function, file, line, module, offset and location of each site from its frames with the CLI's
/// libdw symbolizer; the frame named is the innermost user frame (symbols::user_frame_index), past
/// operator new, std::vector growth and leakscope itself: the one a person fixes.
/// Python frames (the tracker's pseudo addresses, CPython targets) are named by the tracker.
void name_sites(std::vector<Site>& sites);

/// Each site's frames as "function (file:line)", innermost first (symbolized again: call after measuring).
std::vector<std::vector<std::string>> describe_stacks(const std::vector<Site>& sites);

}  // namespace leakscope::detail
