// Per-site diagnosis and naming: which call sites hold the growing memory, and what to call them.
#pragma once

#include <vector>

#include "analysis/analysis.hpp"

namespace leakscope::analysis {

/// Diagnoses every site's live bytes on the recording's site grid, ranks them by steady growth
/// (leaks first), keeps the top `options.max_sites`, and names each by its innermost user frame.
/// Grid columns after `until_t_s` (the target's teardown) are not judged.
std::vector<SiteReport> diagnose_and_name_sites(const Recording& recording, const diagnosis::Options& diagnosis_options,
                                                const Options& options, double until_t_s);

/// The frames of a stack, symbolized from the recording's symbol table (expanded inlines included).
std::vector<ResolvedFrame> resolved_stack(const Recording& recording, const Stack& stack);

}  // namespace leakscope::analysis
