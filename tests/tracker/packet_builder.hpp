// Tracker packets built by hand, for the collector's tests: what a tracker would send, or worse.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "protocol.hpp"

namespace leakscope::tracker_test {

namespace wire = leakscope::tracker::wire;

class PacketBuilder {
public:
    PacketBuilder(wire::PacketType type, std::uint32_t count, std::uint64_t t_ns = 2'000'000'000) {
        wire::PacketHeader h{type, count, t_ns};
        add(&h, sizeof(h));
    }
    PacketBuilder& add(const void* data, std::size_t size) {
        auto* p = static_cast<const std::uint8_t*>(data);
        bytes.insert(bytes.end(), p, p + size);
        return *this;
    }
    PacketBuilder& varint(std::uint64_t v) {
        std::uint8_t buf[10];
        return add(buf, wire::put_varint(buf, v));
    }
    std::vector<std::uint8_t> bytes;
};

/// A forked child's hello names its parent's stream and what it inherited from it.
struct Inherited {
    std::uint64_t stream_id = 0;
    std::uint32_t stacks = 0;
    std::uint32_t python_frames = 0;
};

inline std::vector<std::uint8_t> hello(std::int32_t pid, std::uint64_t stream_id = 0, Inherited from = {}) {
    wire::HelloBody h{wire::kProtocolVersion, pid, 1, 100, 0, 3, 2, 0, stream_id, from.stream_id, from.stacks, from.python_frames};
    return PacketBuilder(wire::PacketType::kHello, 1).add(&h, sizeof(h)).add("exe", 3).add("cm", 2).bytes;
}

inline std::vector<std::uint8_t> one_stack(std::uint32_t id, std::vector<std::uint64_t> frames) {
    wire::StackHeader s{id, static_cast<std::uint32_t>(frames.size())};
    return PacketBuilder(wire::PacketType::kStacks, 1).add(&s, sizeof(s)).add(frames.data(), frames.size() * 8).bytes;
}

inline std::vector<std::uint8_t> one_site(std::uint32_t id, std::int64_t live_bytes, std::int64_t live_count) {
    return PacketBuilder(wire::PacketType::kSites, 1)
        .varint(id).varint(wire::zigzag(live_bytes)).varint(wire::zigzag(live_count)).varint(7).varint(700)
        .bytes;
}

inline std::vector<std::uint8_t> one_python_frame(std::uint64_t address, const std::string& function) {
    wire::PythonFrameHeader f{address, 12, static_cast<std::uint16_t>(function.size()), 4};
    return PacketBuilder(wire::PacketType::kPythonFrames, 1).add(&f, sizeof(f)).add(function.data(), function.size()).add("a.py", 4).bytes;
}

}  // namespace leakscope::tracker_test
