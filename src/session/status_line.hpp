// The live one-line status on a terminal while the target runs: elapsed time, current RSS, and the
// recent trend. Redrawn in place twice a second; only when stderr is a terminal.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "model/sample_point.hpp"

namespace leakscope::session {

class StatusLine {
public:
    explicit StatusLine(bool enabled) : enabled_(enabled) {}
    void update(const SamplePoint& sample);
    /// Erases the line, so the summary starts on a clean line.
    void clear();

private:
    bool enabled_;
    bool drawn_ = false;
    double last_draw_t_ = -1;
    std::deque<std::pair<double, double>> recent_;  ///< (t, bytes) over the last ~10 s, for the trend
};

}  // namespace leakscope::session
