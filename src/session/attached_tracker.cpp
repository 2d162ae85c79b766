#include "session/attached_tracker.hpp"

#include <cstdio>

#include "attach/target_process_facts.hpp"
#include "attach/tracker_injection.hpp"

namespace leakscope::session {
namespace {

attach::InjectionRequest request_for(TrackerBridge& bridge) {
    auto& collector = bridge.collector();
    return {collector.tracker_library().string(), collector.socket_directory().string(), collector.settings_block()};
}

}  // namespace

void check_attachable(pid_t pid, TrackerBridge& bridge) { attach::check_injectable(pid, request_for(bridge)); }

std::string start_attached_tracker(pid_t pid, TrackerBridge& bridge) {
    bridge.collector().allow_peer_user(attach::read_process_facts(pid).uid);
    const attach::Injection injection = attach::inject_tracker(pid, request_for(bridge));
    // The tracker connects from its own thread right after the call returned; if it cannot, it puts the
    // program's GOT back by itself.
    if (!bridge.wait_for_first_stream(5000))
        throw std::runtime_error("the tracker was loaded into process " + std::to_string(pid) +
                                 " but never connected back (it unhooked itself); the process runs on untracked");
    char line[200];
    std::snprintf(line, sizeof line,
                  "allocation tracker attached to process %d: the process was stopped %.1f ms in total "
                  "(thread %d borrowed for the injection, %d stop%s; other threads ran on)",
                  static_cast<int>(pid), static_cast<double>(injection.held.count()) / 1e6, static_cast<int>(injection.thread),
                  injection.stops, injection.stops == 1 ? "" : "s");
    return line;
}

}  // namespace leakscope::session
