// What a reader keeps of one recording, at most. Each chunk is already capped (format.hpp); these cap
// the totals over all chunks, so a small crafted file of many highly compressible chunks cannot make
// leakscope hold gigabytes. A real recording stays far below every cap (a week-long run of a large
// service: ~10^3 modules, ~10^5 stacks); the README ("Recordings", "Reading a file someone handed you") lists them.
#pragma once

#include <cstdint>
#include <string>

#include "recording/recording_error.hpp"

namespace leakscope::recording {

struct ReadCaps {
    std::uint64_t warnings = 10'000;
    std::uint64_t warning_bytes = 4u << 20;
    std::uint64_t processes = 100'000;
    std::uint64_t modules = 100'000;
    std::uint64_t stacks = 1'000'000;
    std::uint64_t stack_frames = 16u << 20;      ///< addresses over all stacks (8 bytes each)
    std::uint64_t symbol_frames = 4'000'000;     ///< symbolized frames over all addresses
    std::uint64_t text_bytes = 256u << 20;       ///< names, files and paths of processes, modules, symbols
};

/// Counts what has been read; the first total over its cap ends the read with one line.
class ReadBudget {
public:
    ReadBudget(std::string name, ReadCaps caps = {}) : name_(std::move(name)), caps_(caps) {}

    void warnings(std::uint64_t count, std::uint64_t bytes) {
        charge(warnings_, count, caps_.warnings, "warnings");
        charge(warning_bytes_, bytes, caps_.warning_bytes, "bytes of warnings");
    }
    void processes(std::uint64_t count, std::uint64_t bytes) {
        charge(processes_, count, caps_.processes, "processes");
        text(bytes);
    }
    void modules(std::uint64_t count, std::uint64_t bytes) {
        charge(modules_, count, caps_.modules, "modules");
        text(bytes);
    }
    void stacks(std::uint64_t count, std::uint64_t frames) {
        charge(stacks_, count, caps_.stacks, "stacks");
        charge(stack_frames_, frames, caps_.stack_frames, "stack frames");
    }
    void symbols(std::uint64_t frames, std::uint64_t bytes) {
        charge(symbol_frames_, frames, caps_.symbol_frames, "symbolized frames");
        text(bytes);
    }

private:
    void text(std::uint64_t bytes) { charge(text_bytes_, bytes, caps_.text_bytes, "bytes of names and paths"); }
    void charge(std::uint64_t& total, std::uint64_t amount, std::uint64_t cap, const char* what) {
        total += amount;
        if (total <= cap) return;
        const std::string reason = "it holds more than " + std::to_string(cap) + " " + what +
                                   " (a cap no real recording reaches; the file is crafted or corrupt)";
        throw RecordingError(name_, reason, name_ + ": " + reason);
    }

    std::string name_;
    ReadCaps caps_;
    std::uint64_t warnings_ = 0, warning_bytes_ = 0, processes_ = 0, modules_ = 0, stacks_ = 0, stack_frames_ = 0,
                  symbol_frames_ = 0, text_bytes_ = 0;
};

}  // namespace leakscope::recording
