#include "api/site_growth.hpp"

#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>

#include "api/tracker_link.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/symbolizer.hpp"
#include "symbols/user_frame.hpp"
#include "util/elf_load_span.hpp"

namespace leakscope::detail {

SiteGrowth::SiteGrowth(leakscope_tracker_sites_fn sites, std::vector<std::size_t> at_cycles,
                       std::size_t capacity)
    : sites_fn_(sites) {
    snapshots_.resize(at_cycles.size());
    for (std::size_t i = 0; i < at_cycles.size(); ++i) {
        snapshots_[i].cycle = at_cycles[i];
        snapshots_[i].sites.resize(capacity);
    }
}

std::size_t SiteGrowth::next_cycle() const {
    return taken_ < snapshots_.size() ? snapshots_[taken_].cycle : std::numeric_limits<std::size_t>::max();
}

void SiteGrowth::take() {
    if (taken_ >= snapshots_.size()) return;
    Snapshot& snapshot = snapshots_[taken_++];
    const long copied = sites_fn_(snapshot.sites.data(), snapshot.sites.size(),
                                  static_cast<std::uint32_t>(sizeof(leakscope_tracker_site)));
    snapshot.count = copied > 0 ? std::min<std::size_t>(static_cast<std::size_t>(copied), snapshot.sites.size()) : 0;
}

std::vector<Site> SiteGrowth::top_growing(double steady_from_cycle, std::size_t max_sites) const {
    if (taken_ < 2 || max_sites == 0) return {};
    const Snapshot& last = snapshots_[taken_ - 1];
    // The base is the first snapshot in steady state, so warm-up allocations do not rank as growth.
    std::size_t base_index = 0;
    while (base_index + 2 < taken_ && static_cast<double>(snapshots_[base_index].cycle) < steady_from_cycle)
        ++base_index;
    const Snapshot& base = snapshots_[base_index];
    const double cycles = static_cast<double>(last.cycle - base.cycle);
    if (cycles <= 0) return {};

    std::unordered_map<std::uint64_t, std::int64_t> base_bytes;
    for (std::size_t i = 0; i < base.count; ++i) base_bytes[base.sites[i].stack_id] = base.sites[i].live_bytes;

    std::vector<Site> growing;
    for (std::size_t i = 0; i < last.count; ++i) {
        const leakscope_tracker_site& now = last.sites[i];
        const auto before = base_bytes.find(now.stack_id);
        const double growth = static_cast<double>(now.live_bytes - (before == base_bytes.end() ? 0 : before->second));
        if (growth <= 0) continue;
        Site site;
        site.bytes_per_cycle = growth / cycles;
        site.live_bytes = static_cast<double>(now.live_bytes);
        const std::uint32_t frames = std::min<std::uint32_t>(now.frame_count, LEAKSCOPE_TRACKER_SITE_FRAMES);
        site.frames.assign(now.frames, now.frames + frames);
        growing.push_back(std::move(site));
    }
    std::sort(growing.begin(), growing.end(),
              [](const Site& a, const Site& b) { return a.bytes_per_cycle > b.bytes_per_cycle; });
    if (growing.size() > max_sites) growing.resize(max_sites);
    name_sites(growing);
    return growing;
}

namespace {

/// The objects loaded in this process, as the symbolizer wants them (what the tracker sends the CLI).
int add_module(dl_phdr_info* info, std::size_t, void* data) {
    auto* modules = static_cast<std::vector<Module>*>(data);
    const LoadSpan span = load_span(*info);
    if (span.end == 0) return 0;
    Module module;
    module.start = span.start;
    module.end = span.end;
    module.load_bias = info->dlpi_addr;
    if (info->dlpi_name && info->dlpi_name[0]) {
        module.path = info->dlpi_name;
    } else {
        char exe[4096];
        const ssize_t length = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (length <= 0) return 0;
        module.path.assign(exe, static_cast<std::size_t>(length));
    }
    modules->push_back(std::move(module));
    return 0;
}

}  // namespace

namespace {

/// The symbolizer over this process's loaded objects (libdw: file:line, inlined functions, separate
/// debug files). It allocates: only after the measurement, never between measured cycles.
std::unique_ptr<symbols::Symbolizer> process_symbolizer() {
    std::vector<Module> modules;
    dl_iterate_phdr(add_module, &modules);
    auto symbolizer = std::make_unique<symbols::Symbolizer>();
    symbolizer->add_modules(modules);
    return symbolizer;
}

/// A site's frames, innermost first, at `detail`: Python frames (the tracker's pseudo addresses,
/// CPython targets) by the names the tracker interned, the rest by the symbolizer.
std::vector<ResolvedFrame> resolve_frames_at(symbols::Symbolizer& symbolizer, const std::vector<std::uint64_t>& addresses,
                                             symbols::Detail detail) {
    const auto python_frame = tracker_link().python_frame;
    std::vector<ResolvedFrame> frames;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        leakscope_tracker_python_names names{};
        names.struct_size = sizeof names;
        if (addresses[i] >= LEAKSCOPE_TRACKER_PYTHON_TAG && python_frame && python_frame(addresses[i], &names) == 0) {
            ResolvedFrame frame;
            frame.function.assign(names.function, names.function_length);
            frame.file.assign(names.file, names.file_length);
            frame.line = static_cast<int>(names.line);
            frame.module = frame.file;  // as the collector names them: a Python frame's module is its .py file
            if (frame.function.empty()) frame.function = "??";
            frames.push_back(std::move(frame));
            continue;
        }
        auto resolved = symbolizer.symbolize(0, addresses[i], symbols::AddressKind::return_address, std::nullopt, detail);
        frames.insert(frames.end(), std::make_move_iterator(resolved.begin()), std::make_move_iterator(resolved.end()));
    }
    return frames;
}

/// As the CLI names a recording's stacks (symbolize_recording): frames in libc, the loader, libstdc++...
/// by their ELF symbol only, so those objects' DWARF (all of libc6-dbg's, inflated) is never loaded.
/// Which frame names a site does not depend on those names, except in a stack with no user code, which
/// is named after one of them: such a stack is looked up in full, as before.
std::vector<ResolvedFrame> resolve_frames(symbols::Symbolizer& symbolizer, const std::vector<std::uint64_t>& addresses) {
    auto frames = resolve_frames_at(symbolizer, addresses, symbols::Detail::plumbing_names_only);
    if (!frames.empty() && !symbols::user_code_index(frames)) frames = resolve_frames_at(symbolizer, addresses, symbols::Detail::full);
    return frames;
}

}  // namespace

void name_sites(std::vector<Site>& sites) {
    if (sites.empty()) return;
    const auto symbolizer = process_symbolizer();
    for (Site& site : sites) {
        const auto frames = resolve_frames(*symbolizer, site.frames);
        if (frames.empty()) {
            site.function = "??";
            site.location = "??";
            continue;
        }
        const ResolvedFrame& frame = frames[symbols::user_frame_index(frames)];
        site.function = frame.function;
        site.module = frame.module;
        site.module_offset = frame.module_offset;
        site.file = frame.file;
        site.line = frame.line;
        site.location = symbols::format_frame(frame);
    }
}

std::vector<std::vector<std::string>> describe_stacks(const std::vector<Site>& sites) {
    std::vector<std::vector<std::string>> stacks;
    if (sites.empty()) return stacks;
    const auto symbolizer = process_symbolizer();
    for (const Site& site : sites) {
        std::vector<std::string> stack;
        for (const auto& frame : resolve_frames(*symbolizer, site.frames)) stack.push_back(symbols::format_frame(frame));
        stacks.push_back(std::move(stack));
    }
    return stacks;
}

}  // namespace leakscope::detail
