#include "watch/tracked_heaps.hpp"

#include <sys/un.h>

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

namespace leakscope::watch {
namespace {

/// The collector makes its private socket directory under $TMPDIR. watch wants it in the state
/// directory, beside the link: /tmp may be private to watch's own service (systemd's PrivateTmp=),
/// where no other service could reach it. Called while watch has no other thread that reads the
/// environment.
class ScopedTmpdir {
public:
    explicit ScopedTmpdir(const std::filesystem::path& dir) {
        if (const char* old = std::getenv("TMPDIR")) saved_ = old;
        ::setenv("TMPDIR", dir.c_str(), 1);
    }
    ~ScopedTmpdir() {
        if (saved_) ::setenv("TMPDIR", saved_->c_str(), 1);
        else ::unsetenv("TMPDIR");
    }
    ScopedTmpdir(const ScopedTmpdir&) = delete;
    ScopedTmpdir& operator=(const ScopedTmpdir&) = delete;

private:
    std::optional<std::string> saved_;
};

collector::TrackerCollector collector_in(const std::filesystem::path& dir) {
    // The collector's own message for a long path names TMPDIR, which watch sets itself.
    const std::size_t length = (dir / "leakscope-XXXXXX" / "tracker.sock").string().size();
    if (length >= sizeof(sockaddr_un{}.sun_path))
        throw std::runtime_error("--track: the tracker socket under " + dir.string() + " would be a path of " + std::to_string(length) +
                                 " bytes, over the " + std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                 " a UNIX socket allows: use a shorter --state-dir");
    collector::CollectorOptions options;
    options.interval_ms = kTrackerIntervalMs;
    options.sample_bytes = kTrackerSampleBytes;
    const ScopedTmpdir in_state_dir(dir);
    return collector::TrackerCollector(options);
}

}  // namespace

TrackedHeaps::TrackedHeaps(std::filesystem::path link) : link_(std::move(link)), collector_(collector_in(link_.parent_path())) {
    // The collector's socket lives in a private directory whose name changes with every start; the
    // link in the state directory is the stable address a service's unit can name.
    std::error_code error;
    std::filesystem::remove(link_, error);
    std::filesystem::create_symlink(collector_.socket_path(), link_, error);
    if (error) throw std::runtime_error("cannot create " + link_.string() + ": " + error.message());
}

TrackedHeaps::~TrackedHeaps() {
    std::error_code error;
    if (std::filesystem::read_symlink(link_, error) == collector_.socket_path()) std::filesystem::remove(link_, error);
}

std::vector<std::pair<std::string, std::string>> TrackedHeaps::environment() const {
    auto environment = collector_.environment();
    for (auto& [name, value] : environment) {
        if (name == "LEAKSCOPE_TRACKER_SOCKET") value = link_.string();
    }
    return environment;
}

void TrackedHeaps::poll() { collector_.poll(*this, 0); }

void TrackedHeaps::fill(const std::vector<int>& pids, SamplePoint& sample) const {
    bool any = false;
    std::uint64_t heap = 0, mapped = 0, allocations = 0, frees = 0;
    for (const int pid : pids) {
        const auto it = totals_.find(pid);
        if (it == totals_.end()) continue;
        any = true;
        heap += static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->second.live_heap_bytes));
        mapped += static_cast<std::uint64_t>(std::max<std::int64_t>(0, it->second.mapped_bytes));
        allocations += it->second.allocations;
        frees += it->second.frees;
    }
    if (!any) return;
    sample.live_heap = sample.live_heap_min = sample.live_heap_max = heap;
    sample.mapped = mapped;
    sample.allocations = allocations;
    sample.frees = frees;
}

void TrackedHeaps::on_process(const collector::TrackedProcess& process) {
    // An exec'd program keeps its pid: the new stream replaces the old one's totals.
    pid_of_[process.process] = process.pid;
}

void TrackedHeaps::on_totals(std::uint32_t process, const collector::TrackerTotals& totals) {
    if (const auto it = pid_of_.find(process); it != pid_of_.end()) totals_[it->second] = totals;
}

void TrackedHeaps::on_process_end(std::uint32_t process, bool) {
    const auto it = pid_of_.find(process);
    if (it == pid_of_.end()) return;
    // Only when no newer stream (an exec'd program) has taken the pid over.
    bool newer = false;
    for (const auto& [index, pid] : pid_of_) newer = newer || (index > process && pid == it->second);
    if (!newer) totals_.erase(it->second);
    pid_of_.erase(it);
}

}  // namespace leakscope::watch
