#include "session/silent_streams.hpp"

#include <algorithm>

#include "sampler/proc_fs.hpp"

namespace leakscope::session {

std::optional<char> SilentStreams::process_state(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    sampler::ProcFs fs;
    const auto stat = fs.read_stat(static_cast<int>(pid));
    if (!stat || stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return std::nullopt;
    return stat->state;
}

SilentStreams::SilentStreams(double interval_s, StateProbe probe) : SilentStreams(interval_s, std::move(probe), Settings{}) {}

SilentStreams::SilentStreams(double interval_s, StateProbe probe, Settings settings)
    : probe_(std::move(probe)),
      limit_s_(std::max(settings.intervals * interval_s, settings.floor_s)),
      confirm_s_(std::max(2 * interval_s, settings.confirm_floor_s)) {}

void SilentStreams::heard(std::uint32_t process, std::int64_t pid, double t_s) {
    Stream& stream = streams_[process];
    stream.pid = pid;
    stream.last_t_s = std::max(stream.last_t_s, t_s);
    stream.running_silent_since.reset();
}

std::vector<SilentStreams::Silence> SilentStreams::update(double t_s) {
    std::vector<Silence> found;
    for (auto& [process, stream] : streams_) {
        if (stream.silent || t_s - stream.last_t_s <= limit_s_) {
            stream.running_silent_since.reset();
            continue;
        }
        const auto state = probe_(stream.pid);
        if (!state) continue;  // ending: its stream closes in a moment and tells how
        if (*state == 'T' || *state == 't') {
            // Stopped: it allocates nothing, so its last totals hold. Once it continues, the tracker
            // gets a whole limit to report again.
            stream.last_t_s = t_s;
            stream.running_silent_since.reset();
            continue;
        }
        // It may have been stopped all along and continued just now, between two looks: its tracker
        // reports at once then, so it gets a short while before its silence counts.
        if (!stream.running_silent_since) stream.running_silent_since = t_s;
        if (t_s - *stream.running_silent_since < confirm_s_) continue;
        stream.silent = true;
        found.push_back({process, stream.pid, stream.last_t_s});
    }
    return found;
}

}  // namespace leakscope::session
