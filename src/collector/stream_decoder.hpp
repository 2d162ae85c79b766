// Decodes one tracker stream (one process), packet by packet, into TrackerSink calls: validates every
// length against the packet, maps the process's local stack ids to ids unique across the collector,
// and drops resends of what it already delivered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "collector/tracker_sink.hpp"

namespace leakscope::collector {

/// Ids handed out across all streams of one collector.
struct DecoderIds {
    std::uint32_t next_process = 0;
    std::uint32_t next_stack = 1;  ///< 0 stays free, so a default StackId never names a real stack
    /// Latest stream of each pid and whether it said goodbye (exited): a new stream of the same pid
    /// whose predecessor did not exit is the program that predecessor exec'd.
    std::unordered_map<std::int64_t, std::pair<std::uint32_t, bool>> latest_by_pid;
};

class StreamDecoder {
public:
    /// Times are reported as seconds since `origin_ns` (CLOCK_MONOTONIC).
    StreamDecoder(DecoderIds& ids, std::uint64_t origin_ns) : ids_(ids), origin_ns_(origin_ns) {}

    /// One whole packet. False when it is malformed (then drop the stream; error() may say why).
    bool decode(const std::uint8_t* data, std::size_t size, TrackerSink& sink);

    bool greeted() const { return greeted_; }
    bool said_goodbye() const { return said_goodbye_; }
    /// The last packet announced an exec: the stream ends because the program was replaced.
    bool announced_exec() const { return announced_exec_; }
    std::uint32_t process() const { return process_; }
    const std::string& error() const { return error_; }

private:
    DecoderIds& ids_;
    std::uint64_t origin_ns_;
    bool greeted_ = false;
    bool said_goodbye_ = false;
    bool announced_exec_ = false;
    std::uint32_t process_ = 0;
    std::int64_t pid_ = 0;
    std::unordered_map<std::uint32_t, Module> modules_;   // local module id -> module
    std::unordered_map<std::uint32_t, StackId> stacks_;   // local stack id -> global id
    std::string error_;
};

}  // namespace leakscope::collector
