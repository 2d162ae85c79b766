#include "runtime/jvm_heap.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace leakscope::runtime {
namespace {

constexpr std::size_t kMaxGenerations = 4;  // HotSpot has had at most 3 (young, old, perm before JDK 8)
constexpr std::size_t kMaxCollectors = 4;

/// Takes a decimal index followed by '.' off the front of `rest`.
std::optional<std::size_t> take_index(std::string_view& rest) {
    std::size_t value = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || ptr == rest.data() || ptr == rest.data() + rest.size() || *ptr != '.') return std::nullopt;
    rest.remove_prefix(static_cast<std::size_t>(ptr - rest.data()) + 1);
    return value;
}

struct Generation {
    std::uint64_t used = 0, capacity = 0, max_capacity = 0;
    std::uint64_t first_space_used = 0;  ///< space 0: the young generation's eden
    bool has_used = false;
};

/// Adds `value` to `sum`; false on overflow.
bool add(std::uint64_t& sum, std::uint64_t value) { return !__builtin_add_overflow(sum, value, &sum); }

}  // namespace

JvmHeapResult jvm_heap_from_counters(std::span<const PerfCounter> counters) {
    std::array<Generation, kMaxGenerations> generations{};
    std::array<std::uint64_t, kMaxCollectors> invocations{}, entered{}, exited{};
    JvmHeap heap;
    std::optional<std::uint64_t> metaspace_used, metaspace_capacity;
    for (const PerfCounter& c : counters) {
        if (c.name == "sun.gc.policy.name" && c.text) heap.policy = *c.text;
        if (!c.number) continue;
        if (*c.number < 0) return {std::nullopt, "hsperfdata: counter " + std::string(c.name) + " is negative"};
        const auto value = static_cast<std::uint64_t>(*c.number);
        std::string_view rest = c.name;
        if (rest == "sun.gc.metaspace.used") {
            metaspace_used = value;
        } else if (rest == "sun.gc.metaspace.capacity") {
            metaspace_capacity = value;
        } else if (rest.starts_with("sun.gc.collector.")) {
            rest.remove_prefix(17);
            const auto index = take_index(rest);
            if (!index || *index >= kMaxCollectors) continue;
            if (rest == "invocations") invocations[*index] = value;
            if (rest == "lastEntryTime") entered[*index] = value;
            if (rest == "lastExitTime") exited[*index] = value;
        } else if (rest.starts_with("sun.gc.generation.")) {
            rest.remove_prefix(18);
            const auto index = take_index(rest);
            if (!index || *index >= kMaxGenerations) continue;
            Generation& g = generations[*index];
            if (rest == "capacity") {
                g.capacity = value;
            } else if (rest == "maxCapacity") {
                g.max_capacity = value;
            } else if (rest.starts_with("space.")) {
                rest.remove_prefix(6);
                const auto space = take_index(rest);
                if (space && rest == "used") {
                    if (!add(g.used, value)) return {std::nullopt, "hsperfdata: the heap's used bytes overflow 64 bits"};
                    if (*space == 0) g.first_space_used = value;
                    g.has_used = true;
                }
            }
        }
    }
    bool any = false;
    std::uint64_t max_sum = 0, max_smallest = 0;
    for (const Generation& g : generations) {
        any |= g.has_used;
        if (!add(heap.heap_used, g.used) || !add(heap.heap_committed, g.capacity) || !add(max_sum, g.max_capacity))
            return {std::nullopt, "hsperfdata: the heap's sizes overflow 64 bits"};
        if (g.max_capacity > 0) max_smallest = max_smallest == 0 ? g.max_capacity : std::min(max_smallest, g.max_capacity);
    }
    if (!any) return {std::nullopt, "hsperfdata: no sun.gc.generation.*.space.*.used counters (a JVM without GC counters?)"};
    // G1's generations are regions of one heap, each of which may grow to all of it: each states the
    // whole heap's maximum (plus 8 bytes per space: G1 pads every figure so that jstat never divides by
    // zero, hence the smallest). The other collectors split the heap between them: their maxima add up.
    heap.heap_max = heap.policy == "GarbageFirst" ? max_smallest : max_sum;
    heap.old_gen_used = generations[1].used;
    // HotSpot's young generation (Serial, Parallel, G1) is eden (space 0) and two survivor spaces; a
    // collector with one generation (ZGC, Shenandoah) has no eden: all of its heap counts as survived.
    heap.eden_used = generations[0].first_space_used;
    // HotSpot fills the metaspace counters at its first collection: until then both read 0, not known.
    if (metaspace_capacity.value_or(0) > 0) heap.metaspace_used = metaspace_used;
    heap.young_gcs = invocations[0];
    heap.full_gcs = invocations[1];
    heap.concurrent_gcs = invocations[2];
    // A collector stamps its entry when a pause begins and its exit when it ends.
    for (std::size_t i = 0; i < kMaxCollectors; ++i) heap.in_collection |= entered[i] > exited[i];
    return {heap, {}};
}

}  // namespace leakscope::runtime
