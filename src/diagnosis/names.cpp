// The schema's spellings of the enums (report-schema.json): the one place they are written.
#include "diagnosis/diagnosis.hpp"

#include <array>
#include <utility>

namespace leakscope::diagnosis {
namespace {
constexpr std::array<std::pair<Pattern, std::string_view>, 9> kPatternNames{{
    {Pattern::stable, "stable"},
    {Pattern::warmup_plateau, "warmup_plateau"},
    {Pattern::bounded_sawtooth, "bounded_sawtooth"},
    {Pattern::periodic_spikes, "periodic_spikes"},
    {Pattern::linear_growth, "linear_growth"},
    {Pattern::staircase_growth, "staircase_growth"},
    {Pattern::accelerating_growth, "accelerating_growth"},
    {Pattern::fragmentation, "fragmentation"},
    {Pattern::insufficient_data, "insufficient_data"},
}};
}  // namespace

std::string_view to_string(Pattern pattern) {
    for (const auto& [value, name] : kPatternNames)
        if (value == pattern) return name;
    return "insufficient_data";
}

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::none: return "none";
        case Severity::low: return "low";
        case Severity::medium: return "medium";
        case Severity::high: return "high";
        case Severity::critical: return "critical";
    }
    return "none";
}

std::optional<Pattern> pattern_from_string(std::string_view text) {
    for (const auto& [value, name] : kPatternNames)
        if (name == text) return value;
    return std::nullopt;
}

}  // namespace leakscope::diagnosis

namespace leakscope::diagnosis {

std::string_view to_string(RssGrowth growth) {
    switch (growth) {
        case RssGrowth::none: return "none";
        case RssGrowth::heap_in_steps: return "heap_in_steps";
        case RssGrowth::allocator_retains: return "allocator_retains";
        case RssGrowth::in_allocator: return "in_allocator";
        case RssGrowth::within_allocator: return "within_allocator";
        case RssGrowth::outside_heap: return "outside_heap";
        case RssGrowth::into_mapped: return "into_mapped";
    }
    return "none";
}

}  // namespace leakscope::diagnosis
