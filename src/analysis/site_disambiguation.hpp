// Two call sites can share their innermost user frame (AuditLog::write called from two places) and
// differ only further out. Rows that read the same would look like a duplicate: each such row gets the
// frame that tells it apart from the others with its name.
#pragma once

#include <string>
#include <vector>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// For row i with name labels[i] and stack *stacks[i] (innermost first): the first frame of its stack
/// that differs from every other row with the same label, or "" when no other row has its label (or
/// the stacks are identical, e.g. two processes).
std::vector<std::string> distinguishing_frames(const std::vector<std::string>& labels,
                                               const std::vector<const std::vector<std::string>*>& stacks);

/// Sites that would read as the same row get the frame that tells them apart (`via`), and where no frame
/// does (the same code in several processes of the tree: a worker pool) the process (`in_process`).
/// Rows folded from several call paths say so in `via` instead.
void tell_sites_apart(const Recording& recording, std::vector<SiteReport>& sites);

}  // namespace leakscope::analysis
