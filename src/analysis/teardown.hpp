// The samples at the end of a run that caught the target tearing down (see teardown_samples below).
#pragma once

#include <cstddef>

#include "model/recording.hpp"

namespace leakscope::analysis {

/// Samples at the very end that caught the target tearing down: a program that ends frees its caches
/// in destructors as main returns (or the interpreter frees everything at exit), and samples in that
/// instant show memory falling off a cliff that steady state never had. The trailing run of samples
/// more than a quarter below the level before it, then those in which its threads were ending or its
/// file-backed pages alone rose (code paged in by the exit path, after five samples without), for a
/// target that ended (by itself or stopped by leakscope), at most a tenth of the run and never more
/// than 20 samples. The process and its sites are judged without them.
std::size_t teardown_samples(const Recording& recording);

}  // namespace leakscope::analysis
