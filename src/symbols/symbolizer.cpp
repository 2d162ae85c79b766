#include "symbols/symbolizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "symbols/elf_module.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::symbols {
namespace {

// How far `when_s` lies outside the time a module was mapped: 0 inside.
double distance_from_lifetime(const Module& module, double when_s) {
    if (when_s < module.loaded_t_s) return module.loaded_t_s - when_s;
    if (module.unloaded_t_s && when_s >= *module.unloaded_t_s) return when_s - *module.unloaded_t_s;
    return 0;
}

// First grid time at which each site held memory: when its stack was in use.
std::map<StackId, double> first_seen_times(const SiteSeries& series) {
    std::map<StackId, double> first_seen;
    for (const auto& site : series.sites) {
        const std::size_t columns = std::min({series.t_s.size(), site.live_bytes.size(), site.live_count.size()});
        for (std::size_t i = 0; i < columns; ++i) {
            if (site.live_bytes[i] != 0 || site.live_count[i] != 0) {
                first_seen.emplace(site.stack, series.t_s[i]);
                break;
            }
        }
    }
    return first_seen;
}

}  // namespace

Symbolizer::Symbolizer(SymbolizerOptions options)
    : finder_(std::move(options.debug_dirs)),
      module_source_(std::move(options.module_source)),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(options.time_budget_s))) {}
Symbolizer::~Symbolizer() = default;

void Symbolizer::add_modules(const std::vector<Module>& modules) {
    for (const auto& module : modules) {
        if (module.end <= module.start) continue;  // a damaged entry cannot hold any address
        modules_by_process_[module.process].push_back(module);
    }
    for (auto& [process, list] : modules_by_process_) {
        const auto key = [](const Module& m) {
            return std::tie(m.start, m.end, m.load_bias, m.path, m.build_id, m.loaded_t_s, m.unloaded_t_s);
        };
        std::sort(list.begin(), list.end(), [&](const Module& a, const Module& b) { return key(a) < key(b); });
        // Adding the same map twice (by the caller, then by symbolize_recording) must not double it.
        list.erase(std::unique(list.begin(), list.end(), [&](const Module& a, const Module& b) { return key(a) == key(b); }),
                   list.end());
    }
}

const Module* Symbolizer::find_module(std::uint32_t process, std::uint64_t address, std::optional<double> when_s) const {
    const auto found = modules_by_process_.find(process);
    if (found == modules_by_process_.end()) return nullptr;
    const auto& list = found->second;
    // Candidates all start at or below the address; overlapping ranges are rare (dlclose then dlopen),
    // so scanning back over the ones that start lower is cheap.
    auto upper = std::upper_bound(list.begin(), list.end(), address,
                                  [](std::uint64_t value, const Module& module) { return value < module.start; });
    const Module* best = nullptr;
    double best_distance = std::numeric_limits<double>::infinity();
    for (auto it = list.begin(); it != upper; ++it) {
        if (address >= it->end) continue;
        if (when_s) {
            const double distance = distance_from_lifetime(*it, *when_s);
            if (best == nullptr || distance < best_distance ||
                (distance == best_distance && it->loaded_t_s > best->loaded_t_s)) {
                best = &*it;
                best_distance = distance;
            }
        } else if (best == nullptr || (best->unloaded_t_s && !it->unloaded_t_s) ||
                   (static_cast<bool>(best->unloaded_t_s) == static_cast<bool>(it->unloaded_t_s) &&
                    it->loaded_t_s > best->loaded_t_s)) {
            // Without a time, the module still loaded at the end, then the latest loaded, is the likeliest.
            best = &*it;
        }
    }
    return best;
}

ElfModule* Symbolizer::open_module(const Module& module) {
    const std::optional<std::string> source = module_source_ ? module_source_(module) : module.path;
    if (!source) {
        // Never opened, by any name: the process had no such file mapped there (or was not looked at).
        if (stats_.modules_refused++ == 0)
            warnings_.push_back("module files not opened: the tracked process had no such file mapped there, or ended "
                                "before it could be checked (first: " + module.path + "); their frames show module+offset only");
        return nullptr;
    }
    std::string key = *source;
    key.push_back('\0');
    key += module.build_id;
    auto found = elf_modules_.find(key);
    if (found != elf_modules_.end()) return found->second.get();
    if (std::chrono::steady_clock::now() > deadline_) {
        if (modules_skipped_++ == 0)
            warnings_.push_back("symbolization took longer than its time budget; objects not yet opened show module+offset only");
        return elf_modules_.emplace(std::move(key), nullptr).first->second.get();
    }
    std::string problem;
    auto opened = ElfModule::open(module.path, module.build_id, finder_, problem, *source);
    if (opened) {
        ++stats_.modules_opened;
    } else {
        ++stats_.modules_failed;
        warnings_.push_back(problem + "; its frames show module+offset only");
    }
    return elf_modules_.emplace(std::move(key), std::move(opened)).first->second.get();
}

std::vector<ResolvedFrame> Symbolizer::symbolize(std::uint32_t process, std::uint64_t address, AddressKind kind,
                                                 std::optional<double> when_s, Detail detail) {
    ++stats_.lookups;
    const Module* module = find_module(process, address, when_s);
    if (module == nullptr) {
        ++stats_.unmapped;
        return {ResolvedFrame{"??", {}, 0, {}, address, false}};
    }
    const std::uint64_t offset = address - module->load_bias;
    ElfModule* elf = module->path.empty() ? nullptr : open_module(*module);
    if (elf == nullptr) return {ResolvedFrame{"??", {}, 0, module->path, offset, false}};

    // Offset 0 cannot follow a call; do not wrap around when asked for the byte before it.
    const std::uint64_t pc = kind == AddressKind::return_address && offset > 0 ? offset - 1 : offset;
    const bool name_only = detail == Detail::plumbing_names_only && is_plumbing_module(module->path);
    const CacheKey key{elf, pc, name_only};
    auto cached = frames_cache_.find(key);
    if (cached == frames_cache_.end()) {
        cached = frames_cache_.emplace(key, name_only ? std::vector<ResolvedFrame>{elf->lookup_symbol(pc)} : elf->lookup(pc)).first;
    } else {
        ++stats_.cache_hits;
    }
    std::vector<ResolvedFrame> frames = cached->second;
    for (auto& frame : frames) {
        frame.module = module->path;
        frame.module_offset = offset;
    }
    return frames;
}

std::vector<ResolvedFrame> Symbolizer::symbolize_stack(std::uint32_t process, const std::vector<std::uint64_t>& addresses,
                                                       AddressKind innermost, std::optional<double> when_s) {
    std::vector<ResolvedFrame> frames;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        auto resolved = symbolize(process, addresses[i], i == 0 ? innermost : AddressKind::return_address, when_s);
        frames.insert(frames.end(), std::make_move_iterator(resolved.begin()), std::make_move_iterator(resolved.end()));
    }
    return frames;
}

void symbolize_recording(Recording& recording, Symbolizer& symbolizer, AddressKind innermost) {
    symbolizer.add_modules(recording.modules);
    const auto first_seen = first_seen_times(recording.sites);
    const auto kind_at = [&](std::size_t i) { return i == 0 ? innermost : AddressKind::return_address; };
    // Addresses answered by name only, with what they were looked up with: the time of the first stack
    // they were met in, and whether they were that stack's innermost.
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::pair<std::optional<double>, AddressKind>> names_only;
    for (const auto& [id, stack] : recording.stacks) {
        std::optional<double> when_s;
        if (auto found = first_seen.find(id); found != first_seen.end()) when_s = found->second;
        for (std::size_t i = 0; i < stack.frames.size(); ++i) {
            const auto key = std::make_pair(stack.process, stack.frames[i]);
            if (recording.symbols.contains(key)) continue;
            const Module* module = symbolizer.find_module(stack.process, stack.frames[i], when_s);
            if (module != nullptr && is_plumbing_module(module->path)) names_only.emplace(key, std::make_pair(when_s, kind_at(i)));
            recording.symbols.emplace(key, symbolizer.symbolize(stack.process, stack.frames[i], kind_at(i), when_s,
                                                                Detail::plumbing_names_only));
        }
    }
    if (names_only.empty()) return;
    // A stack without user code is named after one of its plumbing frames (user_frame_index's last
    // resort: the innermost that is not an allocator entry point, which depends on their names). Look up
    // in full the frames up to the one chosen, until the chosen one is a full answer: the frames it was
    // chosen over are then all full too, so the choice is the one a full lookup of the stack makes.
    for (const auto& [id, stack] : recording.stacks) {
        for (;;) {
            std::vector<ResolvedFrame> frames;
            std::vector<std::size_t> address_of;  // frames[i] is an answer for stack.frames[address_of[i]]
            for (std::size_t a = 0; a < stack.frames.size(); ++a) {
                const auto& resolved = recording.symbols.at({stack.process, stack.frames[a]});
                frames.insert(frames.end(), resolved.begin(), resolved.end());
                address_of.insert(address_of.end(), resolved.size(), a);
            }
            if (frames.empty() || user_code_index(frames)) break;
            const std::size_t chosen = address_of[user_frame_index(frames)];
            if (!names_only.contains({stack.process, stack.frames[chosen]})) break;
            for (std::size_t a = 0; a <= chosen; ++a) {
                const auto found = names_only.find({stack.process, stack.frames[a]});
                if (found == names_only.end()) continue;
                const auto& [when_s, kind] = found->second;
                recording.symbols[found->first] = symbolizer.symbolize(stack.process, stack.frames[a], kind, when_s, Detail::full);
                names_only.erase(found);
            }
        }
    }
}

}  // namespace leakscope::symbols
