#include "session/status_line.hpp"

#include <cstdio>

#include "diagnosis/units.hpp"

namespace leakscope::session {

void StatusLine::update(const SamplePoint& sample) {
    if (!enabled_) return;
    const double bytes = static_cast<double>(known(sample.live_heap) ? sample.live_heap : sample.rss);
    recent_.emplace_back(sample.t_s, bytes);
    while (recent_.size() > 2 && recent_.front().first < sample.t_s - 10.0) recent_.pop_front();
    if (sample.t_s - last_draw_t_ < 0.5) return;
    last_draw_t_ = sample.t_s;

    std::string trend = "";
    const double span = recent_.back().first - recent_.front().first;
    if (span >= 2.0) {
        const double rate = (recent_.back().second - recent_.front().second) / span;
        trend = "  trend " + diagnosis::format_rate(rate);
    }
    std::string heap;
    if (known(sample.live_heap)) heap = "  heap " + diagnosis::format_bytes(static_cast<double>(sample.live_heap));
    std::fprintf(stderr, "\r\033[K[leakscope] %6.1f s  RSS %s%s%s  (%u proc)", sample.t_s,
                 diagnosis::format_bytes(static_cast<double>(sample.rss)).c_str(), heap.c_str(), trend.c_str(),
                 sample.processes);
    std::fflush(stderr);
    drawn_ = true;
}

void StatusLine::clear() {
    if (!drawn_) return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
}

}  // namespace leakscope::session
