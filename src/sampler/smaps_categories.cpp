#include "sampler/smaps_categories.hpp"

#include <algorithm>
#include <charconv>

namespace leakscope::sampler {
namespace {

constexpr std::uint64_t kMaxGuardBytes = 1u << 20;

bool parse_hex(std::string_view text, std::uint64_t& out) {
    if (text.starts_with("0x")) text.remove_prefix(2);
    if (text.empty()) return false;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
    return ec == std::errc() && ptr == text.data() + text.size();
}

std::string_view next_token(std::string_view& rest) {
    const std::size_t begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(begin);
    const std::size_t end = std::min(rest.find(' '), rest.size());
    const std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end);
    return token;
}

enum class Category { brk_heap, stacks, anon_other, file, other };

struct Mapping {
    std::uint64_t start = 0, end = 0;
    std::string_view perms;
    bool has_inode = false;
    std::string_view name;
    bool anonymous() const { return !has_inode && (name.empty() || name.starts_with("[anon:")); }
};

/// "start-end perms offset dev inode [name]"; false when the line is not a mapping header.
bool parse_header(std::string_view line, Mapping& m) {
    std::string_view rest = line;
    const std::string_view range = next_token(rest);
    const std::size_t dash = range.find('-');
    if (dash == std::string_view::npos || !parse_hex(range.substr(0, dash), m.start) ||
        !parse_hex(range.substr(dash + 1), m.end) || m.end < m.start)
        return false;
    m.perms = next_token(rest);
    next_token(rest);  // offset
    next_token(rest);  // device
    const std::string_view inode = next_token(rest);
    if (m.perms.size() != 4 || inode.empty()) return false;
    m.has_inode = inode != "0";
    const std::size_t name = rest.find_first_not_of(' ');
    m.name = name == std::string_view::npos ? std::string_view{} : rest.substr(name);
    return true;
}

Category categorize(const Mapping& m, const Mapping* below, std::span<const std::uint64_t> stack_pointers) {
    if (m.name == "[heap]") return Category::brk_heap;
    if (m.name == "[stack]" || m.name.starts_with("[stack:")) return Category::stacks;
    if (m.has_inode) return Category::file;
    if (!m.anonymous()) return Category::other;
    if (m.perms[3] != 'p') return Category::other;  // shared anonymous
    // A mapping that holds one thread's stack pointer is that thread's stack (a custom one, without a
    // guard). One that holds several threads' is a heap the runtime carves stacks from: Go's goroutine
    // stacks and its threads' g0 stacks live in its garbage-collected arena (three threads' pointers in
    // c000000000-c000800000), and the whole heap read "RSS grew in: thread stacks +45.4 MB".
    const auto first_sp = std::lower_bound(stack_pointers.begin(), stack_pointers.end(), m.start);
    const auto past_sps = std::lower_bound(first_sp, stack_pointers.end(), m.end);
    if (past_sps - first_sp == 1) return Category::stacks;
    const bool guarded = below && below->end == m.start && below->anonymous() && below->perms.starts_with("---") &&
                         below->end - below->start <= kMaxGuardBytes;
    if (guarded && m.perms.starts_with("rw")) return Category::stacks;
    return Category::anon_other;
}

}  // namespace

std::optional<SmapsCategories> classify_smaps(std::string_view text, std::span<const std::uint64_t> stack_pointers) {
    SmapsCategories out;
    Mapping current, previous;
    bool in_mapping = false, have_previous = false, any_rss = false;
    Category category = Category::other;
    while (!text.empty()) {
        const std::size_t eol = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, eol);
        text.remove_prefix(std::min(eol + 1, text.size()));
        if (line.empty()) continue;
        const char first = line.front();
        if ((first >= '0' && first <= '9') || (first >= 'a' && first <= 'f')) {
            if (in_mapping) previous = current, have_previous = true;
            in_mapping = parse_header(line, current);
            if (in_mapping) category = categorize(current, have_previous ? &previous : nullptr, stack_pointers);
            continue;
        }
        if (!in_mapping) continue;
        const bool size_line = line.starts_with("Size:");
        if (!size_line && !line.starts_with("Rss:")) continue;
        std::string_view rest = line.substr(size_line ? 5 : 4);
        const std::string_view number = next_token(rest);
        std::uint64_t kib = 0;
        const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), kib);
        if (ec != std::errc() || ptr != number.data() + number.size() || next_token(rest) != "kB") continue;
        if (size_line) {
            if (category == Category::stacks) out.stacks_mapped += kib * 1024;
            continue;
        }
        any_rss = true;
        const std::uint64_t bytes = kib * 1024;
        switch (category) {
            case Category::brk_heap: out.brk_heap += bytes; break;
            case Category::stacks: out.stacks += bytes; break;
            case Category::anon_other: out.anon_other += bytes; break;
            case Category::file: out.file += bytes; break;
            case Category::other: out.other += bytes; break;
        }
    }
    if (!any_rss) return std::nullopt;
    return out;
}

std::optional<std::uint64_t> parse_syscall_stack_pointer(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
    // The last two fields are sp and pc; "running" has neither.
    const std::size_t pc = text.rfind(' ');
    if (pc == std::string_view::npos) return std::nullopt;
    const std::string_view head = text.substr(0, pc);
    const std::size_t sp_start = head.rfind(' ');
    if (sp_start == std::string_view::npos) return std::nullopt;
    std::uint64_t sp = 0;
    if (!parse_hex(head.substr(sp_start + 1), sp) || sp == 0) return std::nullopt;
    return sp;
}

}  // namespace leakscope::sampler
