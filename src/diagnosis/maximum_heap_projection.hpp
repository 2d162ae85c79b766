// A leak judged from RSS in a process running a JVM whose maximum heap (-Xmx) is known. RSS grows as the
// JVM commits its heap and as its native memory grows; if the growth is in the Java heap it ends in an
// OutOfMemoryError when that heap is full, long before RSS reaches the machine's memory (an -Xmx256m
// leak read "the 25.3 GB limit is reached in 2.5 days"). The verdict's pace is projected to the
// maximum heap as well, and the nearer of the two limits is the verdict's; its summary names both.
#pragma once

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// For a decided leak on "rss" whose growth may be in the runtime's heap (anonymous memory, or RSS
/// alone): the runtime heap's room, from what survived its collections at the last sample to its
/// maximum, at the verdict's rate; taken when it runs out first (limit_source "JVM maximum heap").
/// `process_level_bytes`: the process's size, which the severity is graded against.
void project_to_the_maximum_heap(ProcessDiagnosis& result, const ProcessSeries::RuntimeHeap& heap, double process_level_bytes);

}  // namespace leakscope::diagnosis::detail
