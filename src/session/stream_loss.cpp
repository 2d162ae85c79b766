#include "session/stream_loss.hpp"

#include <algorithm>
#include <string>
#include <string_view>

#include <time.h>

#include "protocol.hpp"
#include "sampler/proc_fs.hpp"

namespace leakscope::session {

namespace {

void sleep_ms(int ms) {
    timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

const char* reason(StreamLosses::Why why) {
    switch (why) {
        case StreamLosses::Why::exec: return "it exec'd a program that never reported to the tracker (a static binary?)";
        case StreamLosses::Why::silent:
            return "its tracker stopped reporting while it ran (the stream stayed open: the tracker's thread stuck, "
                   "or its socket taken over)";
        case StreamLosses::Why::ended: break;
    }
    return "its stream ended while it still ran (it closed or corrupted the tracker's socket)";
}

/// Why an exec'd program never reported, from the LD_PRELOAD it was started with (nullopt: unknown).
std::string exec_reason(const std::optional<std::string>& preload) {
    if (preload && preload->find(tracker::wire::kLibraryFile) == std::string::npos)
        return "it exec'd a program whose environment no longer preloads leakscope's tracker (its LD_PRELOAD is " +
               (preload->empty() ? std::string("unset") : "'" + *preload + "'") +
               ": replaced along with the run's LEAKSCOPE_TRACKER_ variables, by `env -i` or a wrapper that cleans the "
               "environment, or by an exec the tracker does not see, such as posix_spawn's); set your own preload outside leakscope instead, "
               "LD_PRELOAD=yours.so leakscope run -- CMD, and leakscope adds its tracker to it";
    return reason(StreamLosses::Why::exec);
}

}  // namespace

std::optional<std::uint64_t> StreamLosses::running_since(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    sampler::ProcFs fs;
    const auto stat = fs.read_stat(static_cast<int>(pid));
    if (!stat || stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return std::nullopt;
    return stat->start_time.value_or(0);
}

std::optional<std::string> StreamLosses::preload_of(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    sampler::ProcFs fs;
    const auto environ_block = fs.read_file("/proc/" + std::to_string(pid) + "/environ");
    if (!environ_block) return std::nullopt;
    const std::string_view block = environ_block.value();
    constexpr std::string_view kName = "LD_PRELOAD=";
    for (std::size_t at = 0; at < block.size();) {
        const std::size_t end = std::min(block.find('\0', at), block.size());
        const std::string_view entry = block.substr(at, end - at);
        if (entry.substr(0, kName.size()) == kName) return std::string(entry.substr(kName.size()));
        at = end + 1;
    }
    return std::string();
}

std::optional<bool> StreamLosses::tracker_loaded_in(std::int64_t pid) {
    if (pid <= 0) return std::nullopt;
    sampler::ProcFs fs;
    const auto maps = fs.read_file("/proc/" + std::to_string(pid) + "/maps");
    if (!maps) return std::nullopt;
    return maps.value().find(tracker::wire::kLibraryFile) != std::string::npos;
}

StreamLosses::StreamLosses(Probe probe) : StreamLosses(std::move(probe), Settings{}) {}

StreamLosses::StreamLosses(Probe probe, Settings settings) : probe_(std::move(probe)), settings_(settings) {}

bool StreamLosses::stream_ended(std::uint32_t process, std::int64_t pid, bool exec_announced) {
    std::optional<std::uint64_t> start = probe_(pid);
    // A dying process closes its descriptors first and becomes a zombie a moment later. An exec'd one
    // is not dying: the pid runs the new program at once.
    for (int waited = 0; start && !exec_announced && waited < settings_.dying_wait_ms; waited += 5) {
        sleep_ms(5);
        start = probe_(pid);
    }
    if (!start) return false;
    // Lost already (it went silent, then its stream ended): one loss, which stands while it runs.
    if (lost_.count(process) || pending_.count(process)) return true;
    pending_[process] = {pid, *start, exec_announced ? Why::exec : Why::ended, std::nullopt};
    return true;
}

void StreamLosses::stream_silent(std::uint32_t process, std::int64_t pid, double last_report_t_s) {
    const std::optional<std::uint64_t> start = probe_(pid);
    if (!start || lost_.count(process) || pending_.count(process)) return;
    pending_[process] = {pid, *start, Why::silent, last_report_t_s};
}

void StreamLosses::exec_claimed(std::uint32_t process) {
    pending_.erase(process);
    lost_.erase(process);
}

bool StreamLosses::heap_unknown() const {
    return !lost_.empty() || std::any_of(pending_.begin(), pending_.end(), [](const auto& entry) { return entry.second.why != Why::exec; });
}

std::vector<StreamLosses::Loss> StreamLosses::update(double t_s) {
    const auto still_runs = [&](const Pending& p) { return probe_(p.pid) == std::optional<std::uint64_t>(p.start_time); };
    for (auto it = lost_.begin(); it != lost_.end();) it = still_runs(it->second) ? std::next(it) : lost_.erase(it);

    std::vector<Loss> losses;
    for (auto it = pending_.begin(); it != pending_.end();) {
        Pending& p = it->second;
        if (!p.since_t_s) p.since_t_s = t_s;
        if (!still_runs(p)) {  // it ended after all (an exec'd program that exited before reporting)
            it = pending_.erase(it);
            continue;
        }
        if (p.why == Why::exec && t_s - *p.since_t_s < settings_.exec_grace_s) {
            ++it;
            continue;
        }
        // The exec'd program has the tracker loaded and has not reported: it has not allocated through
        // malloc yet (the tracker's stream opens at the first allocation), so its heap is nothing, not
        // unknown; it reports when it does. A pipeline's gzip made the whole run's heap unknown at 2 s.
        if (p.why == Why::exec && !p.carries_tracker && settings_.tracker_loaded)
            p.carries_tracker = settings_.tracker_loaded(p.pid).value_or(false);
        if (p.carries_tracker) {
            ++it;
            continue;
        }
        losses.push_back({it->first, *p.since_t_s,
                          p.why == Why::exec && settings_.preload ? exec_reason(settings_.preload(p.pid)) : std::string(reason(p.why))});
        lost_[it->first] = p;
        it = pending_.erase(it);
    }
    return losses;
}

}  // namespace leakscope::session
