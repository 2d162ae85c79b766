// Two call sites can share their innermost user frame (AuditLog::write called from two places) and
// differ only further out. Rows that read the same would look like a duplicate: each such row gets the
// frame that tells it apart from the others with its name.
#pragma once

#include <string>
#include <vector>

namespace leakscope::analysis {

/// For row i with name labels[i] and stack *stacks[i] (innermost first): the first frame of its stack
/// that differs from every other row with the same label, or "" when no other row has its label (or
/// the stacks are identical, e.g. two processes).
std::vector<std::string> distinguishing_frames(const std::vector<std::string>& labels,
                                               const std::vector<const std::vector<std::string>*>& stacks);

}  // namespace leakscope::analysis
