// Decodes one tracker stream (one process), packet by packet, into TrackerSink calls: validates every
// length against the packet, maps the process's local stack ids to ids unique across the collector,
// and drops resends of what it already delivered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/stream_tables.hpp"
#include "collector/tracker_sink.hpp"

namespace leakscope::tracker::wire {
struct HelloBody;
}

namespace leakscope::collector {

/// Ids handed out across all streams of one collector.
struct DecoderIds {
    std::uint32_t next_process = 0;
    std::uint32_t next_stack = 1;  ///< 0 stays free, so a default StackId never names a real stack
    /// Latest stream of each pid and whether it said goodbye (exited): a new stream of the same pid
    /// whose predecessor did not exit is the program that predecessor exec'd.
    std::unordered_map<std::int64_t, std::pair<std::uint32_t, bool>> latest_by_pid;
    /// What each stream sent, by stream id, for the forked children that refer to it.
    StreamTables tables;
    /// Things worth a warning in the recording that did not end a stream.
    std::vector<std::string> notes;
};

class StreamDecoder {
public:
    /// Times are reported as seconds since `origin_ns` (CLOCK_MONOTONIC).
    StreamDecoder(DecoderIds& ids, std::uint64_t origin_ns) : ids_(ids), origin_ns_(origin_ns) {}
    ~StreamDecoder();
    StreamDecoder(const StreamDecoder&) = delete;
    StreamDecoder& operator=(const StreamDecoder&) = delete;

    /// The parent stream a hello packet names (a forked child's), 0 when none or not a hello: the
    /// collector reads that stream's pending packets first, so the child's references resolve.
    static std::uint64_t forked_from(const std::uint8_t* data, std::size_t size);

    /// One whole packet. False when it is malformed (then drop the stream; error() may say why).
    bool decode(const std::uint8_t* data, std::size_t size, TrackerSink& sink);

    bool greeted() const { return greeted_; }
    bool said_goodbye() const { return said_goodbye_; }
    /// The last packet announced an exec: the stream ends because the program was replaced.
    bool announced_exec() const { return announced_exec_; }
    std::uint32_t process() const { return process_; }
    std::uint64_t stream_id() const { return stream_id_; }
    const std::string& error() const { return error_; }

private:
    void start_table(const tracker::wire::HelloBody& hello, TrackerSink& sink);
    /// The global id of a site's stack; an inherited one is delivered for this process on first use.
    const StackId* site_stack(std::uint32_t local_id, TrackerSink& sink);

    DecoderIds& ids_;
    std::uint64_t origin_ns_;
    bool greeted_ = false;
    bool said_goodbye_ = false;
    bool announced_exec_ = false;
    std::uint32_t process_ = 0;
    std::int64_t pid_ = 0;
    std::unordered_map<std::uint32_t, Module> modules_;   // local module id -> module
    std::uint64_t stream_id_ = 0;  // registered in ids_.tables (0: not registered)
    std::shared_ptr<StreamTable> table_;                  // local stack id -> global id, frames; Python frames
    std::uint64_t unresolved_sites_ = 0;                  // site records on inherited stacks nobody knows
    std::string error_;
};

}  // namespace leakscope::collector
