#include "api/site_growth.hpp"

#include <cxxabi.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <unordered_map>

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
    for (Site& site : growing) name_site(site);
    return growing;
}

namespace {

bool is_plumbing(std::string_view module) {
    const std::size_t slash = module.rfind('/');
    const std::string_view file = slash == std::string_view::npos ? module : module.substr(slash + 1);
    for (std::string_view prefix : {"libc.so", "libc-", "libstdc++", "libleakscope", "ld-linux"})
        if (file.substr(0, prefix.size()) == prefix) return true;
    return false;
}

std::string demangled(const char* name) {
    int status = 0;
    char* text = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    std::string result = status == 0 && text ? text : name;
    std::free(text);
    return result;
}

}  // namespace

void name_site(Site& site) {
    site.function = "??";
    for (std::size_t i = 0; i < site.frames.size(); ++i) {
        // A return address points after the call; one byte back is inside the calling line.
        const std::uint64_t address = site.frames[i] - (site.frames[i] > 0 ? 1 : 0);
        Dl_info info{};
        if (dladdr(reinterpret_cast<void*>(address), &info) == 0 || info.dli_fname == nullptr) continue;
        const bool last_frame = i + 1 == site.frames.size();
        if (is_plumbing(info.dli_fname) && !last_frame) continue;
        site.module = info.dli_fname;
        site.module_offset = address - reinterpret_cast<std::uint64_t>(info.dli_fbase);
        if (info.dli_sname) site.function = demangled(info.dli_sname);
        break;
    }
    char offset[32];
    std::snprintf(offset, sizeof offset, "+0x%llx", static_cast<unsigned long long>(site.module_offset));
    site.location = site.function + " (" + (site.module.empty() ? std::string("??") : site.module) + offset + ")";
}

}  // namespace leakscope::detail
