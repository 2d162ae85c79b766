// Memory series for the diagnosis tests: constructed (a shape plus deterministic noise) or measured
// (tests/data/live_heap/).
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::testing {

inline constexpr double kMB = 1024.0 * 1024.0;

/// n samples every dt seconds of shape(t) plus Gaussian noise of `sigma` bytes (fixed seed).
inline Series make_series(std::size_t n, double dt, const std::function<double(double)>& shape, double sigma,
                          std::uint64_t seed = 1) {
    Series series;
    std::uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 1;
    auto uniform = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (static_cast<double>(state >> 11) + 0.5) * 0x1.0p-53;
    };
    for (std::size_t i = 0; i < n; ++i) {
        const double t = static_cast<double>(i) * dt;
        const double noise = std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
        series.t_s.push_back(t);
        series.value.push_back(shape(t) + sigma * noise);
    }
    return series;
}

/// RSS grows 20 kB/s (340 -> 360 MB over 1000 s) over a flat 300 MB heap: which story is told depends on
/// the allocator's own figures.
inline ProcessSeries rss_growing_over_flat_heap() {
    ProcessSeries series;
    series.live_heap = make_series(1000, 1.0, [](double) { return 300 * kMB; }, 50e3, 1);
    series.rss = make_series(1000, 1.0, [](double t) { return 340 * kMB + 20e3 * t; }, 50e3, 2);
    return series;
}

#ifdef LIVE_HEAP_TEST_DATA_DIR
/// A live heap measured under `leakscope run`: tests/data/live_heap/NAME holds a line saying what it
/// is, the column names, then "t_s,bytes" rows.
inline Series load_live_heap(const std::string& name) {
    std::ifstream in(std::string(LIVE_HEAP_TEST_DATA_DIR) + "/" + name);
    Series s;
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::istringstream row(line);
        double t = 0, bytes = 0;
        char comma = 0;
        row >> t >> comma >> bytes;
        s.t_s.push_back(t);
        s.value.push_back(bytes);
    }
    return s;
}

/// A process measured under `leakscope run`: tests/data/live_heap/NAME holds a line saying what it is,
/// the column names, then "t_s,rss_bytes,live_heap_bytes,mapped_bytes" rows, the heap's cells empty
/// where it was not known. The heap series holds the mappings too, as analysis gives it to the diagnosis.
inline ProcessSeries load_process(const std::string& name) {
    std::ifstream in(std::string(LIVE_HEAP_TEST_DATA_DIR) + "/" + name);
    ProcessSeries process;
    Series heap, mapped;
    std::string line;
    std::getline(in, line);
    std::getline(in, line);
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::istringstream row(line);
        for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
        cells.resize(4);
        const double t = std::stod(cells[0]);
        process.rss.t_s.push_back(t);
        process.rss.value.push_back(std::stod(cells[1]));
        if (cells[2].empty()) continue;
        heap.t_s.push_back(t);
        heap.value.push_back(std::stod(cells[2]) + std::stod(cells[3]));
        mapped.t_s.push_back(t);
        mapped.value.push_back(std::stod(cells[3]));
    }
    process.live_heap = std::move(heap);
    process.mapped = std::move(mapped);
    return process;
}
#endif

}  // namespace leakscope::diagnosis::testing
