// A stand-in for the brief's controllers: a one-time "JIT" cache filled on first use, per-run buffers
// that are freed, and (when asked) a history that is never trimmed — 24 bytes per step.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace example {

/// Compiled kernels, shared by every controller and kept for the life of the process, like a JIT.
inline std::unordered_map<std::string, std::vector<char>>& kernel_cache() {
    static std::unordered_map<std::string, std::vector<char>> cache;
    return cache;
}

class Controller {
public:
    explicit Controller(bool keeps_history) : keeps_history_(keeps_history) {
        for (const char* kernel : {"pid", "filter", "limiter"})
            if (!kernel_cache().contains(kernel)) kernel_cache()[kernel].resize(2 << 20);  // warm-up
    }

    void step() {
        std::vector<double> scratch(256, 0.5);  // freed at the end of the step
        state_ += scratch[0];
        if (keeps_history_) history_.push_back(std::make_unique<Sample>(Sample{state_, 0, 0}));
    }

    void run(int steps) {
        for (int i = 0; i < steps; ++i) step();
    }

private:
    struct Sample {
        double value, error, output;
    };
    bool keeps_history_;
    double state_ = 0;
    // A leak while the controller lives; freed with it, so LeakSanitizer would not report it.
    std::vector<std::unique_ptr<Sample>> history_;
};

/// Leaks a few bytes per controller: a registry entry nobody removes.
inline void register_controller(int id) {
    static std::vector<std::unique_ptr<int>> registry;
    registry.push_back(std::make_unique<int>(id));
}

}  // namespace example
