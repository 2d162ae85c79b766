#include "runtime/go_gc_trace.hpp"

#include <charconv>
#include <limits>

namespace leakscope::runtime {
namespace {

// A cursor over the line that accepts exactly the expected pieces, in order; any mismatch fails the parse.
class Cursor {
public:
    explicit Cursor(std::string_view text) : text_(text) {}

    bool literal(std::string_view expected) {
        if (!text_.starts_with(expected)) return false;
        text_.remove_prefix(expected.size());
        return true;
    }
    bool unsigned_number(std::uint64_t& out) {
        const auto [end, error] = std::from_chars(text_.data(), text_.data() + text_.size(), out);
        if (error != std::errc() || end == text_.data()) return false;
        text_.remove_prefix(static_cast<std::size_t>(end - text_.data()));
        return true;
    }
    /// "3.101" (the runtime prints seconds with three decimals).
    bool decimal(double& out) {
        std::uint64_t whole = 0, fraction = 0;
        if (!unsigned_number(whole)) return false;
        double scale = 1;
        if (literal(".")) {
            const std::size_t before = text_.size();
            if (!unsigned_number(fraction)) return false;
            for (std::size_t i = 0; i < before - text_.size(); ++i) scale *= 10;
        }
        out = static_cast<double>(whole) + static_cast<double>(fraction) / scale;
        return true;
    }
    /// Skips to just past the next occurrence of `marker`.
    bool past(std::string_view marker) {
        const auto at = text_.find(marker);
        if (at == std::string_view::npos) return false;
        text_.remove_prefix(at + marker.size());
        return true;
    }
    bool mebibytes(std::uint64_t& out) {
        std::uint64_t mib = 0;
        if (!unsigned_number(mib) || mib > std::numeric_limits<std::uint64_t>::max() >> 20) return false;
        out = mib << 20;
        return true;
    }
    bool done() const { return text_.empty(); }

private:
    std::string_view text_;
};

}  // namespace

std::optional<GoCollection> parse_go_gc_trace_line(std::string_view line) {
    if (line.size() >= kLongestGcTraceLine) return std::nullopt;
    if (line.ends_with('\r')) line.remove_suffix(1);
    GoCollection gc;
    Cursor in(line);
    std::uint64_t percent = 0;
    if (!in.literal("gc ") || !in.unsigned_number(gc.number) || !in.literal(" @") || !in.decimal(gc.at_s) ||
        !in.literal("s ") || !in.unsigned_number(percent) || !in.literal("%: "))
        return std::nullopt;
    // The clock and cpu times are skipped; the heap figures follow "ms cpu, ".
    if (!in.past(" ms clock, ") || !in.past(" ms cpu, ")) return std::nullopt;
    if (!in.mebibytes(gc.heap_at_start) || !in.literal("->") || !in.mebibytes(gc.heap_at_end) || !in.literal("->") ||
        !in.mebibytes(gc.live_heap) || !in.literal(" MB, ") || !in.mebibytes(gc.goal) || !in.literal(" MB goal, "))
        return std::nullopt;
    // "N MB stacks, N MB globals, " since Go 1.18; before, the processors follow the goal.
    std::uint64_t stacks = 0, globals = 0;
    if (Cursor ahead = in; ahead.mebibytes(stacks) && ahead.literal(" MB stacks, ")) {
        if (!ahead.mebibytes(globals) || !ahead.literal(" MB globals, ")) return std::nullopt;
        gc.stacks = stacks;
        gc.globals = globals;
        in = ahead;
    }
    std::uint64_t processors = 0;
    if (!in.unsigned_number(processors) || !in.literal(" P")) return std::nullopt;
    gc.forced = in.literal(" (forced)");
    if (!in.done()) return std::nullopt;
    return gc;
}

bool may_begin_go_gc_trace_line(std::string_view partial) {
    // A gctrace line is ~150 bytes: anything this long is the program's, however it began (never held for long).
    if (partial.size() >= kLongestGcTraceLine) return false;
    constexpr std::string_view kStart = "gc ";
    if (partial.size() <= kStart.size()) return kStart.starts_with(partial);
    if (!partial.starts_with(kStart)) return false;
    // "gc 12 @3.1": digits, then " @" and the time; anything else is the program's own line.
    std::size_t i = kStart.size();
    const std::size_t digits_from = i;
    while (i < partial.size() && partial[i] >= '0' && partial[i] <= '9') ++i;
    if (i == partial.size()) return true;
    if (i == digits_from) return false;
    constexpr std::string_view kAt = " @";
    const std::string_view rest = partial.substr(i);
    if (rest.size() <= kAt.size()) return kAt.starts_with(rest);
    return rest.starts_with(kAt);
}

}  // namespace leakscope::runtime
