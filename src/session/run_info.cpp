#include "session/run_info.hpp"

#include <unistd.h>

#include <chrono>

#include "collector/trackability.hpp"
#include "sampler/cgroup_limit.hpp"
#include "sampler/proc_fs.hpp"
#include "util/proc_text.hpp"
#include "util/version.hpp"

namespace leakscope::session {

RunInfo make_run_info(const std::vector<std::string>& command, pid_t pid, bool attached, const WatchOptions& options) {
    RunInfo info;
    info.command = command;
    info.pid = pid;
    info.attached = attached;
    info.start_unix_s =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    info.interval_s = options.interval_s;
    info.tracker_mode = !options.track ? "off" : options.sample_bytes > 0 ? "sampled" : "full";
    info.sample_bytes = options.sample_bytes;
    info.events_regex = options.events_regex;
    info.user_limit_bytes = options.limit_bytes;
    info.leakscope_version = kVersion;
    // Go's heap is its collector's, grown ahead of its collections: the diagnosis judges it so. The
    // program started is the command's (its pid may not have exec'd it yet); an attached one's is on disk.
    info.runtime = attached ? collector::garbage_collected_runtime("/proc/" + std::to_string(pid) + "/exe")
                            : command.empty() ? std::string() : collector::garbage_collected_runtime_of_program(command.front());
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) info.hostname = host;

    sampler::ProcFs fs;
    if (auto limit = sampler::find_cgroup_memory_limit(fs, pid); limit.ok() && limit.value()) {
        info.cgroup_limit_bytes = limit.value()->bytes;
    }
    if (auto meminfo = fs.read_meminfo(); meminfo.ok() && meminfo->mem_total > 0) {
        info.machine_memory_bytes = meminfo->mem_total;
    }
    return info;
}

std::vector<std::string> read_command_line(pid_t pid) {
    const std::string text = util::read_proc_text("/proc/" + std::to_string(pid) + "/cmdline");
    std::vector<std::string> argv;
    std::string current;
    for (char c : text) {
        if (c == '\0') {
            argv.push_back(current);
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) argv.push_back(current);
    return argv;
}

}  // namespace leakscope::session
