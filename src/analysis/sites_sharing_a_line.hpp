// Sites that allocate at the same line through different callers are one place in the program's code.
// A hash table that doubles its capacity from two call paths (the insert that fills it and the tick
// that grows it) hands each new table to one path or the other: each path's series rises and falls,
// while their sum climbs in steps that never come down. A held-out corpus program (a C connection
// table whose flows never expire, session 15) read "Leak" on its live heap with every site "stable":
// the table's 8 MB were split over two rows. When the process leaks and no site does, the sites that
// share their allocating line are judged together, as one row.
#pragma once

#include <vector>

#include "analysis/analysis.hpp"
#include "diagnosis/diagnosis.hpp"

namespace leakscope::analysis {

/// With full tracking, a decided leak of the live heap and no site a leak: the reported sites that
/// share process, function, file and line are summed over the judged span and diagnosed together;
/// a group whose sum is a decided leak becomes one row (the member holding the most at the end names
/// it, `call_paths` says how many it stands for). Other groups are left as they are.
void judge_sites_sharing_a_line_together(const Recording& recording, double until_t_s, const diagnosis::Options& site_options,
                                         const diagnosis::ProcessDiagnosis& process, std::vector<SiteReport>& sites);

}  // namespace leakscope::analysis
