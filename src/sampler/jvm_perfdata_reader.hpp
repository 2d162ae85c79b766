// Finds the JVMs of a watched tree and reads their heap figures from HotSpot's performance-counter file
// every sample (src/runtime/ parses it). The file is /tmp/hsperfdata_<user>/<pid> as the JVM sees it:
// read through /proc/PID/root, with the pid the JVM has in its own namespace (the last NSpid), so a
// JVM in a container is found from the host.
//
// Cost: a process is probed (its /tmp listed) when first seen, again after 1, 2, 4 ... up to 30 s while
// it is not a JVM, and at once when its name changes (an exec). A JVM's file, once found and confirmed
// in its /proc/PID/maps (the JVM maps it; a stale file of a dead JVM with a reused pid is not mapped),
// stays open and is read with one pread per sample (32 KiB by default; pread, not mmap: the watched
// process owns the file and could truncate it under a mapping, which would fault leakscope).
//
// A JVM without the file (-XX:-UsePerfData, -XX:+PerfDisableSharedMem, a /tmp leakscope cannot see) is
// still recognized by the libjvm.so it maps, so that the report can say its heap was not measured: RSS
// alone would call a leak inside the heap it committed up front "flat".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "runtime/jvm_heap.hpp"
#include "sampler/proc_fs.hpp"

namespace leakscope::sampler {

/// The largest counter file read (HotSpot's default -XX:PerfDataMemorySize is 32 KiB).
inline constexpr std::size_t kMaxPerfDataBytes = 8u << 20;
/// How long a process may map libjvm.so without a counter file before it counts as a JVM without one.
inline constexpr std::chrono::seconds kUnreadJvmGrace{2};
/// How long a JVM's figures may stay unsettled (a collection's pause begun and not ended) before it
/// counts as unread: a full collection of a large heap can take seconds.
inline constexpr std::chrono::seconds kUnsettledJvmGrace{10};

/// Whether `maps` (the text of /proc/PID/maps) maps HotSpot's libjvm.so.
bool maps_libjvm(std::string_view maps);

class JvmPerfDataReader {
public:
    using Clock = std::chrono::steady_clock;

    /// The heap figures of process `pid` (named `comm` in this sample), or nullopt when it is not a JVM
    /// (or not yet known to be one), its counters are not ready, a collection's pause is under way (its
    /// figures are not settled), or they could not be read or parsed (last_error() says why).
    std::optional<runtime::JvmHeap> read(ProcFs& fs, int pid, const std::string& comm, Clock::time_point now);

    /// Forgets the processes not in `alive` (sorted), closing their files.
    void forget_except(std::span<const int> alive);

    /// Why the last read of `pid` gave nothing, when it found a JVM's file but could not use it; empty otherwise.
    std::string last_error(int pid) const;
    /// How many processes are known to be JVMs (their file open).
    std::size_t jvms() const;
    /// How many processes map libjvm.so but had no counter file for kUnreadJvmGrace after that was
    /// first seen (a JVM creates its file as it starts, moments after the launcher maps libjvm.so), or
    /// whose file gave nothing usable for as long (kUnsettledJvmGrace while it read as a pause under way).
    std::size_t jvms_without_counters() const;

private:
    // A descriptor closed with its owner; moves (a sampler moves with its watched process), never copies.
    class OwnedFd {
    public:
        OwnedFd() = default;
        explicit OwnedFd(int fd) : fd_(fd) {}
        OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
        OwnedFd& operator=(OwnedFd&& other) noexcept;
        ~OwnedFd();
        int get() const { return fd_; }
        bool open() const { return fd_ >= 0; }
        void reset(int fd = -1);

    private:
        int fd_ = -1;
    };
    struct Process {
        int pid = 0;
        std::string comm;
        OwnedFd fd;                     // the open counter file, closed while not (yet) a JVM
        std::size_t file_bytes = 0;     // its size when opened (the JVM never resizes it)
        Clock::time_point next_probe{};
        Clock::duration backoff{};
        std::string error;
        std::optional<Clock::time_point> libjvm_seen;  // first probe that found libjvm.so mapped and no file
        std::optional<Clock::time_point> unusable_since;  // first read of the open file that gave nothing
        bool without_counters = false;                 // no file, or none usable, for the grace
    };
    Process& process(int pid);
    // Looks for the process's counter file; opens and keeps it when found and confirmed. When there is
    // none, notes whether the process is a JVM all the same.
    void probe(ProcFs& fs, Process& p, Clock::time_point now);
    // The figures of `p`'s open file; nullopt (p.error says why, unless a pause was under way) when unusable.
    std::optional<runtime::JvmHeap> read_counter_file(Process& p);
    // Finds, opens and confirms the counter file of `p` in its /tmp (the process's `maps` text given).
    void open_counter_file(ProcFs& fs, Process& p, const std::string& dir, std::string_view maps);

    std::vector<Process> processes_;  // sorted by pid
    std::vector<std::uint8_t> buffer_;
    std::vector<runtime::PerfCounter> counters_;
};

/// The pid a process has in the innermost pid namespace it belongs to: the last number of status's
/// "NSpid:" line (Linux >= 4.1); nullopt when the text has no such line.
std::optional<int> parse_innermost_nspid(std::string_view status_text);

}  // namespace leakscope::sampler
