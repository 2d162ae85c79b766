// The words for the RSS decomposition (ProcessDiagnosis::Decomposition), one story for the HTML note,
// the Markdown section and the JSON summary: a part's rate only where it changed beyond its noise, and
// no parts at all where RSS itself did not change or rose and fell in cycles.
#pragma once

#include <string>
#include <string_view>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::report {

using Decomposition = diagnosis::ProcessDiagnosis::Decomposition;

/// "+120 MB/h", or "flat" when the part did not change beyond its noise.
std::string part_rate_text(const Decomposition::Rate& rate);

/// "the allocator's free-but-kept memory" when the allocator reported it, else "allocator-retained and
/// other" (RSS less the heap and the mappings: that memory, code, stacks and other mappings).
std::string_view retained_part_name(const Decomposition& parts);

/// With the allocator's figures, what RSS holds beyond the heap and the allocator's free bytes.
inline constexpr std::string_view kRestPartName = "the rest (code, stacks, other mappings, allocator headers)";

/// "from 2.05 s to 10.8 s": the window every part was measured over.
std::string window_text(const Decomposition& parts);

/// The line under the RSS chart: "Over the steady state (from 2.05 s to 10.8 s), RSS changed +120 MB/h:
/// live heap flat, mmap'ed flat, allocator-retained and other +119 MB/h." When RSS did not change, or
/// rose and fell (its verdict `rss` tells the cycle), it says that instead of splitting a rate.
std::string decomposition_sentence(const Decomposition& parts, const diagnosis::Diagnosis& rss);

}  // namespace leakscope::report
