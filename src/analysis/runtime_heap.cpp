#include "analysis/runtime_heap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "diagnosis/units.hpp"

namespace leakscope::analysis {
namespace {

double value_or_nan(std::uint64_t v) { return known(v) ? static_cast<double>(v) : std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

std::optional<RuntimeHeapSeries> runtime_heap_series(const Recording& recording) {
    RuntimeHeapSeries s;
    s.go = recording.info.runtime == kGoRuntime;
    for (const SamplePoint& p : recording.samples) {
        // The sampler sets all of them or none (Go: no maximum, no old generation); a merged bucket keeps
        // whichever side knew them.
        if (!known(p.runtime_heap_used) || !known(p.runtime_heap_committed) || (!s.go && !known(p.runtime_heap_max)) ||
            (!s.go && !known(p.runtime_old_gen_used)) || !known(p.runtime_young_gcs) || !known(p.runtime_full_gcs) ||
            !known(p.runtime_concurrent_gcs))
            continue;
        s.t_s.push_back(p.t_s);
        s.rss.push_back(static_cast<double>(p.rss));
        s.heap_used.push_back(static_cast<double>(p.runtime_heap_used));
        s.heap_committed.push_back(static_cast<double>(p.runtime_heap_committed));
        s.heap_max.push_back(value_or_nan(p.runtime_heap_max));
        s.old_gen_used.push_back(value_or_nan(p.runtime_old_gen_used));
        s.metaspace_used.push_back(value_or_nan(p.runtime_metaspace_used));
        s.young_gcs.push_back(p.runtime_young_gcs);
        s.full_gcs.push_back(p.runtime_full_gcs);
        s.concurrent_gcs.push_back(p.runtime_concurrent_gcs);
    }
    if (s.size() == 0) return std::nullopt;
    return s;
}

std::optional<diagnosis::ProcessSeries::RuntimeHeap> runtime_heap_for_diagnosis(std::span<const SamplePoint> samples) {
    diagnosis::ProcessSeries::RuntimeHeap heap;
    bool eden_known = true;
    for (const SamplePoint& p : samples) {
        if (!known(p.runtime_heap_used) || !known(p.runtime_young_gcs) || !known(p.runtime_full_gcs) ||
            !known(p.runtime_concurrent_gcs))
            continue;
        heap.used.t_s.push_back(p.t_s);
        heap.used.value.push_back(static_cast<double>(p.runtime_heap_used));
        eden_known &= known(p.runtime_eden_used) && p.runtime_eden_used <= p.runtime_heap_used;
        if (eden_known) heap.survived.push_back(static_cast<double>(p.runtime_heap_used - p.runtime_eden_used));
        heap.collections.push_back(static_cast<double>(p.runtime_young_gcs + p.runtime_full_gcs + p.runtime_concurrent_gcs));
        heap.full_collections.push_back(static_cast<double>(p.runtime_full_gcs));
        heap.marking_pauses.push_back(static_cast<double>(p.runtime_concurrent_gcs));
        if (known(p.runtime_heap_max)) heap.max_bytes = static_cast<double>(p.runtime_heap_max);
        if (known(p.runtime_heap_committed)) {
            heap.committed_bytes = static_cast<double>(p.runtime_heap_committed);
            heap.largest_committed_bytes = std::max(heap.largest_committed_bytes, *heap.committed_bytes);
        }
    }
    if (heap.used.t_s.empty()) return std::nullopt;
    heap.run_start_s = samples.front().t_s;
    if (!eden_known) heap.survived.clear();
    return heap;
}

std::string runtime_heap_sentence(const RuntimeHeapSeries& s) {
    using diagnosis::format_bytes;
    const std::size_t last = s.size() - 1;
    std::string text = "The JVM's heap: used " + format_bytes(s.heap_used[last]) + " of " +
                       format_bytes(s.heap_committed[last]) + " committed (max " + format_bytes(s.heap_max[last]) +
                       "); old generation " + format_bytes(s.old_gen_used[last]);
    if (std::isfinite(s.metaspace_used[last])) text += ", metaspace " + format_bytes(s.metaspace_used[last]);
    text += "; " + std::to_string(s.young_gcs[last]) + " young, " + std::to_string(s.full_gcs[last]) + " full collections";
    if (s.concurrent_gcs[last] > 0) text += ", " + std::to_string(s.concurrent_gcs[last]) + " concurrent-cycle pauses";
    return text + ".";
}

std::string go_heap_sentence(const RuntimeHeapSeries& s) {
    using diagnosis::format_bytes;
    const std::size_t last = s.size() - 1;
    // The sample where the last collection's count was first seen: about when it ran.
    std::size_t since = last;
    while (since > 0 && s.full_gcs[since - 1] == s.full_gcs[last]) --since;
    const double most = *std::max_element(s.heap_used.begin(), s.heap_used.end());
    return "The Go heap: its last of " + std::to_string(s.full_gcs[last]) + " collections (seen at " +
           diagnosis::format_duration(s.t_s[since]) + ") found " + format_bytes(s.heap_used[last]) +
           " live, heap and goroutine stacks (whole MiB, from its gctrace lines); goal " + format_bytes(s.heap_committed[last]) +
           "; the most any collection found, " + format_bytes(most) + ".";
}

}  // namespace leakscope::analysis
