#include "sampler/proc_parsers.hpp"

#include <charconv>
#include <limits>

namespace leakscope::sampler {
namespace {

std::string_view trim(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Error messages quote the offending text; bound and sanitise it so a damaged file cannot flood them.
std::string quote(std::string_view s) {
    constexpr std::size_t kMaxQuoted = 40;
    std::string out = "'";
    for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
        const char c = s[i];
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    if (s.size() > kMaxQuoted) out += "...";
    out += "'";
    return out;
}

template <typename Int>
bool parse_int(std::string_view s, Int& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

// Calls f(line) for every line, without the '\n'.
template <typename F>
void for_each_line(std::string_view text, F&& f) {
    while (!text.empty()) {
        const auto nl = text.find('\n');
        f(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

// "Key:   value" -> {"Key", "value"}; false when the line has no ':'.
bool split_key_value(std::string_view line, std::string_view& key, std::string_view& value) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    key = line.substr(0, colon);
    value = trim(line.substr(colon + 1));
    return true;
}

// "1234 kB" -> 1234 * 1024 bytes. The unit is optional (some fields omit it) but only "kB" is accepted.
bool parse_kib(std::string_view value, std::uint64_t& bytes) {
    const auto space = value.find_first_of(" \t");
    const auto number = value.substr(0, space);
    if (space != std::string_view::npos && trim(value.substr(space)) != "kB") return false;
    std::uint64_t kib = 0;
    if (!parse_int(number, kib)) return false;
    if (kib > std::numeric_limits<std::uint64_t>::max() / 1024) return false;
    bytes = kib * 1024;
    return true;
}

// Parses a kB field into `slot`, or records the first malformed field in `bad`.
void read_kib_field(std::string_view key, std::string_view value, std::optional<std::uint64_t>& slot,
                    std::string& bad) {
    std::uint64_t bytes = 0;
    if (parse_kib(value, bytes)) {
        slot = bytes;
    } else if (bad.empty()) {
        bad = std::string(key) + " has no valid size: " + quote(value);
    }
}

}  // namespace

Expected<ProcStatus> parse_status(std::string_view text) {
    ProcStatus status;
    bool have_name = false, have_state = false, have_ppid = false;
    std::string bad;
    for_each_line(text, [&](std::string_view line) {
        std::string_view key, value;
        if (!split_key_value(line, key, value)) return;
        if (key == "Name") {
            // Name is not trimmed on the right by the kernel; a comm can end in spaces, keep them.
            const auto colon = line.find(':');
            auto raw = line.substr(colon + 1);
            if (!raw.empty() && raw.front() == '\t') raw.remove_prefix(1);
            status.name.assign(raw);
            have_name = true;
        } else if (key == "State") {
            if (value.empty()) {
                if (bad.empty()) bad = "State is empty";
                return;
            }
            status.state = value.front();
            have_state = true;
        } else if (key == "PPid") {
            if (!parse_int(value, status.ppid) || status.ppid < 0) {
                if (bad.empty()) bad = "PPid is not a pid: " + quote(value);
                return;
            }
            have_ppid = true;
        } else if (key == "Threads") {
            if (!parse_int(value, status.threads) && bad.empty()) bad = "Threads is not a count: " + quote(value);
        } else if (key == "VmRSS") {
            read_kib_field(key, value, status.vm_rss, bad);
        } else if (key == "RssAnon") {
            read_kib_field(key, value, status.rss_anon, bad);
        } else if (key == "RssFile") {
            read_kib_field(key, value, status.rss_file, bad);
        } else if (key == "RssShmem") {
            read_kib_field(key, value, status.rss_shmem, bad);
        } else if (key == "VmSwap") {
            read_kib_field(key, value, status.vm_swap, bad);
        } else if (key == "VmData") {
            read_kib_field(key, value, status.vm_data, bad);
        }
    });
    if (!bad.empty()) return malformed("status: " + bad);
    if (!have_name) return malformed("status: no Name line");
    if (!have_state) return malformed("status: no State line");
    if (!have_ppid) return malformed("status: no PPid line");
    return status;
}

Expected<SmapsRollup> parse_smaps_rollup(std::string_view text) {
    SmapsRollup rollup;
    std::optional<std::uint64_t> rss, pss;
    std::string bad;
    // The first line is the "[rollup]" pseudo-mapping header; its "00:00" device makes it look like a
    // key/value line, but its key matches nothing below, so it is skipped like any unknown field.
    for_each_line(text, [&](std::string_view line) {
        std::string_view key, value;
        if (!split_key_value(line, key, value)) return;
        if (key == "Rss") read_kib_field(key, value, rss, bad);
        else if (key == "Pss") read_kib_field(key, value, pss, bad);
        else if (key == "Pss_Anon") read_kib_field(key, value, rollup.pss_anon, bad);
        else if (key == "Pss_File") read_kib_field(key, value, rollup.pss_file, bad);
        else if (key == "Pss_Shmem") read_kib_field(key, value, rollup.pss_shmem, bad);
        else if (key == "Anonymous") read_kib_field(key, value, rollup.anonymous, bad);
        else if (key == "Swap") read_kib_field(key, value, rollup.swap, bad);
        else if (key == "SwapPss") read_kib_field(key, value, rollup.swap_pss, bad);
    });
    if (!bad.empty()) return malformed("smaps_rollup: " + bad);
    if (!rss) return malformed("smaps_rollup: no Rss line");
    if (!pss) return malformed("smaps_rollup: no Pss line");
    rollup.rss = *rss;
    rollup.pss = *pss;
    return rollup;
}

Expected<Statm> parse_statm(std::string_view text, std::uint64_t page_size) {
    if (page_size == 0) return malformed("statm: page size is 0");
    std::uint64_t pages[7] = {};
    std::size_t count = 0;
    text = trim(text);
    while (!text.empty()) {
        const auto space = text.find(' ');
        const auto field = text.substr(0, space);
        if (count == std::size(pages)) return malformed("statm: more than 7 fields");
        if (!parse_int(field, pages[count])) return malformed("statm: field is not a page count: " + quote(field));
        if (pages[count] > std::numeric_limits<std::uint64_t>::max() / page_size)
            return malformed("statm: page count overflows: " + quote(field));
        ++count;
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    // Every kernel since 2.6 prints 7 fields; size, resident and shared are the ones that matter.
    if (count < 3) return malformed("statm: fewer than 3 fields");
    Statm statm;
    statm.size = pages[0] * page_size;
    statm.resident = pages[1] * page_size;
    statm.shared = pages[2] * page_size;
    statm.text = pages[3] * page_size;
    statm.data = pages[5] * page_size;
    return statm;
}

Expected<ProcStat> parse_stat(std::string_view text) {
    // "1234 (comm) S 1 ...": comm may itself contain ") (" so the LAST ')' ends it.
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return malformed("stat: no (comm) field");
    ProcStat stat;
    if (!parse_int(trim(text.substr(0, open)), stat.pid) || stat.pid <= 0)
        return malformed("stat: no pid before (comm): " + quote(text.substr(0, open)));
    stat.comm.assign(text.substr(open + 1, close - open - 1));
    auto rest = text.substr(close + 1);
    // After the comm: " S ppid pgrp ...".
    if (rest.size() < 2 || rest[0] != ' ') return malformed("stat: no state after (comm)");
    stat.state = rest[1];
    rest.remove_prefix(2);
    if (rest.empty() || rest[0] != ' ') return malformed("stat: no ppid after the state");
    rest.remove_prefix(1);
    const auto ppid_text = rest.substr(0, rest.find(' '));
    if (!parse_int(trim(ppid_text), stat.ppid) || stat.ppid < 0)
        return malformed("stat: ppid is not a pid: " + quote(ppid_text));
    // Fields 5 to 21 are not needed; field 22 is the start time. Tolerate its absence (it is only a
    // safeguard against pid reuse) but not garbage in its place.
    for (int field = 4; field < 22; ++field) {
        const auto space = rest.find(' ');
        if (space == std::string_view::npos) return stat;
        rest.remove_prefix(space + 1);
    }
    std::uint64_t start_time = 0;
    const auto start_text = trim(rest.substr(0, rest.find(' ')));
    if (!parse_int(start_text, start_time)) return malformed("stat: start time is not a number: " + quote(start_text));
    stat.start_time = start_time;
    return stat;
}

Expected<std::size_t> parse_children(std::string_view text, std::vector<int>& out) {
    // All or nothing: a damaged list must not leave half its pids in `out`.
    const std::size_t size_before = out.size();
    std::size_t added = 0;
    while (true) {
        text = trim(text);
        if (text.empty()) break;
        const auto space = text.find_first_of(" \n");
        const auto field = text.substr(0, space);
        int pid = 0;
        if (!parse_int(field, pid) || pid <= 0) {
            out.resize(size_before);
            return malformed("children: not a pid: " + quote(field));
        }
        out.push_back(pid);
        ++added;
        if (space == std::string_view::npos) break;
        text.remove_prefix(space);
    }
    return added;
}

bool CgroupEntry::has_controller(std::string_view name) const {
    std::string_view list = controllers;
    while (!list.empty()) {
        const auto comma = list.find(',');
        if (list.substr(0, comma) == name) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

Expected<std::vector<CgroupEntry>> parse_cgroup(std::string_view text) {
    std::vector<CgroupEntry> entries;
    std::string bad;
    for_each_line(text, [&](std::string_view line) {
        if (!bad.empty() || trim(line).empty()) return;
        // "id:controllers:path"; the path is everything after the second ':' (it may contain ':').
        const auto first = line.find(':');
        const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
        if (second == std::string_view::npos) {
            bad = "line is not id:controllers:path: " + quote(line);
            return;
        }
        CgroupEntry entry;
        if (!parse_int(line.substr(0, first), entry.hierarchy_id) || entry.hierarchy_id < 0) {
            bad = "hierarchy id is not a number: " + quote(line);
            return;
        }
        entry.controllers.assign(line.substr(first + 1, second - first - 1));
        entry.path.assign(line.substr(second + 1));
        if (entry.path.empty() || entry.path.front() != '/') {
            bad = "path does not start with '/': " + quote(line);
            return;
        }
        entries.push_back(std::move(entry));
    });
    if (!bad.empty()) return malformed("cgroup: " + bad);
    if (entries.empty()) return malformed("cgroup: no entries");
    return entries;
}

Expected<std::optional<std::uint64_t>> parse_cgroup_v2_memory_max(std::string_view text) {
    const auto value = trim(text);
    if (value == "max") return std::optional<std::uint64_t>{};
    std::uint64_t bytes = 0;
    if (!parse_int(value, bytes)) return malformed("memory.max: neither \"max\" nor a byte count: " + quote(value));
    return std::optional<std::uint64_t>{bytes};
}

Expected<std::optional<std::uint64_t>> parse_cgroup_v1_limit_in_bytes(std::string_view text) {
    const auto value = trim(text);
    std::uint64_t bytes = 0;
    if (!parse_int(value, bytes)) {
        // Writing -1 sets "no limit"; some kernels print it back as -1 rather than the huge value.
        if (value == "-1") return std::optional<std::uint64_t>{};
        return malformed("memory.limit_in_bytes: not a byte count: " + quote(value));
    }
    if (bytes >= kCgroupV1NoLimitThreshold) return std::optional<std::uint64_t>{};
    return std::optional<std::uint64_t>{bytes};
}

Expected<MemInfo> parse_meminfo(std::string_view text) {
    MemInfo info;
    std::optional<std::uint64_t> total;
    std::string bad;
    for_each_line(text, [&](std::string_view line) {
        std::string_view key, value;
        if (!split_key_value(line, key, value)) return;
        if (key == "MemTotal") read_kib_field(key, value, total, bad);
        else if (key == "MemAvailable") read_kib_field(key, value, info.mem_available, bad);
    });
    if (!bad.empty()) return malformed("meminfo: " + bad);
    if (!total) return malformed("meminfo: no MemTotal line");
    info.mem_total = *total;
    return info;
}

}  // namespace leakscope::sampler
