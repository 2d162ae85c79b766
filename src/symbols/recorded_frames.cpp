#include "symbols/recorded_frames.hpp"

namespace leakscope::symbols {
namespace {

ResolvedFrame unresolved_frame(const Recording& recording, std::uint32_t process, std::uint64_t address) {
    const Module* owner = nullptr;
    for (const auto& module : recording.modules) {
        if (module.process != process || address < module.start || address >= module.end) continue;
        // Of modules that shared the range, the one still loaded at the end, as Symbolizer::find_module does.
        if (owner == nullptr || (owner->unloaded_t_s && !module.unloaded_t_s)) owner = &module;
    }
    if (owner == nullptr) return ResolvedFrame{"??", {}, 0, {}, address, false};
    return ResolvedFrame{"??", {}, 0, owner->path, address - owner->load_bias, false};
}

}  // namespace

std::vector<ResolvedFrame> recorded_frames(const Recording& recording, const Stack& stack) {
    std::vector<ResolvedFrame> frames;
    frames.reserve(stack.frames.size());
    for (std::uint64_t address : stack.frames) {
        const auto found = recording.symbols.find({stack.process, address});
        if (found == recording.symbols.end() || found->second.empty()) {
            frames.push_back(unresolved_frame(recording, stack.process, address));
        } else {
            frames.insert(frames.end(), found->second.begin(), found->second.end());
        }
    }
    return frames;
}

}  // namespace leakscope::symbols
