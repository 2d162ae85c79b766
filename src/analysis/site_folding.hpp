// Several reported sites judged as one row (sites_sharing_a_line.hpp, pymalloc_arenas.hpp): their live
// bytes summed on the site grid, and the row that stands for them all.
#pragma once

#include <cstddef>
#include <vector>

#include "analysis/analysis.hpp"
#include "diagnosis/diagnosis.hpp"

namespace leakscope::analysis {

/// The `members`' (positions in `sites`) live bytes summed over the site grid's first `columns` columns.
diagnosis::Series summed_site_series(const Recording& recording, const std::vector<SiteReport>& sites,
                                     const std::vector<std::size_t>& members, std::size_t columns);

/// Folds the members into the one holding the most at the end, which takes `together` (the diagnosis of
/// `sum`) with `q_value`, the sum's live and peak bytes, and the others' totals, stacks and series;
/// `call_paths` counts them all. The others' positions are appended to `merged_away` (erase_folded_sites
/// removes them); returns the row's position.
std::size_t fold_sites_into_one_row(std::vector<SiteReport>& sites, const std::vector<std::size_t>& members,
                                    const diagnosis::Series& sum, diagnosis::Diagnosis together, double q_value,
                                    std::vector<std::size_t>& merged_away);

/// Removes the folded sites, then orders leaks first as diagnose_and_name_sites did.
void erase_folded_sites(std::vector<SiteReport>& sites, std::vector<std::size_t> merged_away);

}  // namespace leakscope::analysis
