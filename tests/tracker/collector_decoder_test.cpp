// The collector's side of the protocol: exact decoding, global stack ids across processes, resends
// ignored, and malformed input rejected (never a crash).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "collector/stream_decoder.hpp"
#include "collector/tracker_collector.hpp"
#include "packet_builder.hpp"
#include "protocol.hpp"
#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

TEST(CollectorDecoder, AllocatorStatisticsAreDeliveredAndATruncatedBodyIsRejected) {
    struct StatsSink : RecordingSink {
        void on_allocator_stats(std::uint32_t process, const collector::AllocatorStats& s) override {
            seen.emplace_back(process, s);
        }
        std::vector<std::pair<std::uint32_t, collector::AllocatorStats>> seen;
    } sink;
    collector::DecoderIds ids;
    collector::StreamDecoder decoder(ids, 0);
    auto h = hello(7);
    ASSERT_TRUE(decoder.decode(h.data(), h.size(), sink));
    wire::AllocatorStatsBody body{wire::AllocatorKind::kJemalloc, 0, 3000, 2000, 1000, wire::kUnknownFigure, 12345};
    auto packet = PacketBuilder(wire::PacketType::kAllocatorStats, 1).add(&body, sizeof(body)).bytes;
    ASSERT_TRUE(decoder.decode(packet.data(), packet.size(), sink));
    ASSERT_EQ(sink.seen.size(), 1u);
    const auto& s = sink.seen[0].second;
    EXPECT_EQ(s.kind, collector::AllocatorStats::Kind::jemalloc);
    EXPECT_EQ(s.footprint_bytes, 3000u);
    EXPECT_EQ(s.in_use_bytes, 2000u);
    EXPECT_EQ(s.free_kept_bytes, 1000u);
    EXPECT_EQ(s.releasable_bytes, kUnknownBytes);
    EXPECT_EQ(s.read_ns, 12345u);
    EXPECT_STREQ(collector::allocator_kind_name(s.kind), "jemalloc");
    packet.pop_back();
    EXPECT_FALSE(decoder.decode(packet.data(), packet.size(), sink));
}

TEST(CollectorDecoder, VarintsRoundTrip) {
    for (std::int64_t v : std::initializer_list<std::int64_t>{0, 1, -1, 63, -64, 1ll << 40, -(1ll << 62), INT64_MAX, INT64_MIN}) {
        std::uint8_t buf[10];
        std::size_t n = wire::put_varint(buf, wire::zigzag(v));
        const std::uint8_t* pos = buf;
        std::uint64_t back = 0;
        ASSERT_TRUE(wire::get_varint(pos, buf + n, back));
        EXPECT_EQ(wire::unzigzag(back), v);
        EXPECT_EQ(pos, buf + n);
    }
    std::uint8_t truncated[2] = {0x80, 0x80};
    const std::uint8_t* pos = truncated;
    std::uint64_t v = 0;
    EXPECT_FALSE(wire::get_varint(pos, truncated + 2, v));
}

TEST(CollectorDecoder, TwoProcessesGetDistinctGlobalStackIds) {
    collector::DecoderIds ids;
    RecordingSink sink;
    collector::StreamDecoder a(ids, 1'000'000'000), b(ids, 1'000'000'000);
    for (auto* d : {&a, &b}) {
        auto h = hello(d == &a ? 10 : 11);
        ASSERT_TRUE(d->decode(h.data(), h.size(), sink));
        auto s = one_stack(1, {0x1000, 0x2000});  // the same local id in both processes
        ASSERT_TRUE(d->decode(s.data(), s.size(), sink));
        auto again = one_stack(1, {0x1000, 0x2000});  // a resend after a dropped acknowledgement: ignored
        ASSERT_TRUE(d->decode(again.data(), again.size(), sink));
        auto site = one_site(1, -5, 3);
        ASSERT_TRUE(d->decode(site.data(), site.size(), sink));
    }
    ASSERT_EQ(sink.processes.size(), 2u);
    EXPECT_EQ(sink.processes[0].info.pid, 10);
    EXPECT_EQ(sink.processes[1].info.exe, "exe");
    EXPECT_EQ(sink.processes[1].info.comm, "cm");
    ASSERT_EQ(sink.stacks.size(), 2u);
    EXPECT_NE(sink.stacks.begin()->first, sink.stacks.rbegin()->first);
    EXPECT_EQ(sink.stacks.begin()->second.frames, (std::vector<std::uint64_t>{0x1000, 0x2000}));
    const auto& site = sink.processes[0].sites.begin()->second;
    EXPECT_EQ(site.live_bytes, -5);
    EXPECT_EQ(site.live_count, 3);
    EXPECT_EQ(site.total_allocations, 7u);
    EXPECT_EQ(site.total_bytes, 700u);
    EXPECT_DOUBLE_EQ(site.t_s, 1.0) << "seconds since the time origin";
    EXPECT_TRUE(sink.errors.empty());
}

TEST(CollectorDecoder, RejectsMalformedPackets) {
    auto fresh = [](const std::vector<std::uint8_t>& packet, bool greet) {
        collector::DecoderIds ids;
        RecordingSink sink;
        collector::StreamDecoder d(ids, 0);
        if (greet) {
            auto h = hello(1);
            d.decode(h.data(), h.size(), sink);
        }
        return d.decode(packet.data(), packet.size(), sink);
    };
    EXPECT_FALSE(fresh(one_stack(1, {1}), false)) << "nothing before the hello";
    EXPECT_FALSE(fresh({1, 2, 3}, true)) << "shorter than a header";
    auto s = one_stack(1, {1, 2, 3});
    s.resize(s.size() - 4);
    EXPECT_FALSE(fresh(s, true)) << "truncated frames";
    EXPECT_FALSE(fresh(one_site(9, 1, 1), true)) << "a site of an unknown stack";
    wire::StackHeader huge{1, 1u << 30};
    EXPECT_FALSE(fresh(PacketBuilder(wire::PacketType::kStacks, 1).add(&huge, sizeof(huge)).bytes, true));
    EXPECT_FALSE(fresh(PacketBuilder(static_cast<wire::PacketType>(99), 0).bytes, true)) << "unknown type";
    EXPECT_FALSE(fresh(hello(2), true)) << "a second hello";
    wire::HelloBody old{wire::kProtocolVersion + 1, 1, 1, 100, 0, 0, 0, 0};
    collector::DecoderIds ids;
    RecordingSink sink;
    collector::StreamDecoder d(ids, 0);
    auto p = PacketBuilder(wire::PacketType::kHello, 1).add(&old, sizeof(old)).bytes;
    EXPECT_FALSE(d.decode(p.data(), p.size(), sink));
    EXPECT_NE(d.error().find("protocol version"), std::string::npos);
}

TEST(CollectorDecoder, GarbageOnTheSocketDropsOnlyThatStream) {
    collector::CollectorOptions options;
    options.tracker_library = tracker_library_path();
    collector::TrackerCollector collector(options);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, collector.socket_path().c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    auto h = hello(5);
    ASSERT_EQ(send(fd, h.data(), h.size(), 0), static_cast<ssize_t>(h.size()));
    const char junk[] = "this is not a packet at all";
    ASSERT_EQ(send(fd, junk, sizeof(junk), 0), static_cast<ssize_t>(sizeof(junk)));
    RecordingSink sink;
    for (int i = 0; i < 20 && (collector.open_streams() > 0 || sink.processes.empty()); ++i) collector.poll(sink, 10);
    EXPECT_EQ(sink.processes.size(), 1u);
    EXPECT_EQ(collector.open_streams(), 0u);
    ASSERT_EQ(collector.warnings().size(), 1u);
    EXPECT_NE(collector.warnings()[0].find("malformed"), std::string::npos);
    ASSERT_TRUE(sink.processes[0].ended);
    EXPECT_FALSE(sink.processes[0].clean);
    close(fd);
}

TEST(CollectorDecoder, EnvironmentAndMissingLibrary) {
    collector::CollectorOptions options;
    options.tracker_library = tracker_library_path();
    options.interval_ms = 250;
    options.sample_bytes = 524288;
    collector::TrackerCollector collector(options);
    auto env = collector.environment();
    auto value = [&](const std::string& key) {
        for (const auto& [k, v] : env)
            if (k == key) return v;
        return std::string();
    };
    EXPECT_EQ(value("LD_PRELOAD").rfind(tracker_library_path(), 0), 0u);
    EXPECT_EQ(value("LEAKSCOPE_TRACKER_SOCKET"), collector.socket_path().string());
    EXPECT_EQ(value("LEAKSCOPE_TRACKER_INTERVAL_MS"), "250");
    EXPECT_EQ(value("LEAKSCOPE_TRACKER_SAMPLE_BYTES"), "524288");
    struct stat info{};
    ASSERT_EQ(stat(collector.socket_path().parent_path().c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u) << "a private directory";

    options.tracker_library = "/nonexistent/libleakscope_tracker.so";
    EXPECT_THROW(collector::TrackerCollector{options}, std::runtime_error);
}

}  // namespace
}  // namespace leakscope::tracker_test
