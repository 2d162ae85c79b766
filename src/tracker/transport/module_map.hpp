// The program's loaded modules (dl_iterate_phdr, with build-ids), and which of them the collector
// knows on the current stream: frames are sent raw and symbolized by leakscope against this map.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace leakscope::tracker::transport {

struct Connection;

struct ModuleState {
    std::uint32_t local_id = 0;
    std::uint64_t start = 0, end = 0, load_bias = 0;
    std::string path;
    std::string build_id;
    bool present = true;        ///< still loaded at the last scan
    bool sent_loaded = false;   ///< the collector knows it (on this connection)
    bool sent_unloaded = false;
};

struct ModuleMap {
    std::vector<ModuleState> modules;
    std::uint32_t next_module_id = 1;
    unsigned long long seen_adds = ~0ull, seen_subs = ~0ull;  ///< dl_iterate_phdr's load/unload counts at the last scan
};

/// Notes modules loaded or unloaded since the last scan (cheap when nothing changed).
void scan_modules(ModuleMap& map);
/// Sends the loads, then the unloads, the collector has not heard of on this stream.
bool send_modules(Connection& c, bool patient);

}  // namespace leakscope::tracker::transport
