// A forked child's stream refers to its parent's for the stacks and Python frames the parent had sent
// before the fork: the collector delivers them as the child's own (same frames, new ids) when the
// child first uses one, and reads the parent's queued packets before the child's hello.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <vector>

#include "collector/stream_decoder.hpp"
#include "collector/tracker_collector.hpp"
#include "packet_builder.hpp"
#include "tracker_harness.hpp"

namespace leakscope::tracker_test {
namespace {

struct PythonSink : RecordingSink {
    void on_python_frame(std::uint32_t process, std::uint64_t address, const ResolvedFrame& frame) override {
        python[{process, address}] = frame.function;
    }
    std::map<std::pair<std::uint32_t, std::uint64_t>, std::string> python;
};

void decode(collector::StreamDecoder& d, const std::vector<std::uint8_t>& packet, RecordingSink& sink) {
    ASSERT_TRUE(d.decode(packet.data(), packet.size(), sink)) << d.error();
}

/// The parent's stream (pid 10, stream 111): stacks 0 and 1, two Python frames.
void parent_sends(collector::StreamDecoder& parent, RecordingSink& sink) {
    decode(parent, hello(10, 111), sink);
    decode(parent, one_python_frame(0xffff800000000001ull, "work"), sink);
    decode(parent, one_python_frame(0xffff800000000002ull, "main"), sink);
    decode(parent, one_stack(0, {0x1000, 0x2000}), sink);
    decode(parent, one_stack(1, {0x1100, 0x2100}), sink);
    decode(parent, one_site(1, 4000, 1), sink);
}

TEST(CollectorFork, TheChildsSiteOnAnInheritedStackGetsTheParentsFramesUnderItsOwnId) {
    collector::DecoderIds ids;
    PythonSink sink;
    collector::StreamDecoder parent(ids, 0), child(ids, 0);
    parent_sends(parent, sink);
    decode(child, hello(11, 222, {111, 2, 2}), sink);
    ASSERT_EQ(sink.stacks.size(), 2u) << "nothing is delivered for the child before it uses a stack";
    decode(child, one_site(1, 1000, 1), sink);
    decode(child, one_site(1, 2000, 2), sink);  // the second update of the same site: no second stack
    decode(child, one_stack(2, {0x1200}), sink);  // the child's own
    decode(child, one_site(2, 10, 1), sink);
    ASSERT_EQ(sink.stacks.size(), 4u);
    ASSERT_EQ(sink.processes.size(), 2u);
    const auto& sites = sink.processes[1].sites;
    ASSERT_EQ(sites.size(), 2u);
    const Stack& inherited = sink.stacks.at(sites.begin()->first);
    EXPECT_EQ(inherited.process, 1u) << "the child's stack, for the child's modules";
    EXPECT_EQ(inherited.frames, (std::vector<std::uint64_t>{0x1100, 0x2100}));
    EXPECT_NE(sites.begin()->first, sink.processes[0].sites.begin()->first) << "the parent's site keeps its own id";
    EXPECT_EQ(sites.begin()->second.live_bytes, 2000);
    EXPECT_EQ(sink.processes[0].sites.begin()->second.live_bytes, 4000);
    // The parent's Python frames name the child's pseudo addresses too.
    EXPECT_EQ((sink.python[{1, 0xffff800000000001ull}]), "work");
    EXPECT_EQ((sink.python[{1, 0xffff800000000002ull}]), "main");
    EXPECT_TRUE(sink.errors.empty()) << sink.errors.front();
    // Ids the child did not inherit are still its own to send first.
    auto unknown = one_site(7, 1, 1);
    EXPECT_FALSE(child.decode(unknown.data(), unknown.size(), sink));
}

TEST(CollectorFork, ForksOfForksAndAParentThatEndedFirst) {
    collector::DecoderIds ids;
    PythonSink sink;
    auto parent = std::make_unique<collector::StreamDecoder>(ids, 0);
    parent_sends(*parent, sink);
    collector::StreamDecoder child(ids, 0);
    decode(child, hello(11, 222, {111, 2, 1}), sink);
    decode(child, one_python_frame(0xffff800000000002ull, "child_main"), sink);  // the child's own frame 1
    decode(child, one_stack(2, {0x1200}), sink);
    parent.reset();  // the parent exits before the grandchild connects (a daemon's double fork)
    collector::StreamDecoder grandchild(ids, 0);
    decode(grandchild, hello(12, 333, {222, 3, 2}), sink);
    decode(grandchild, one_site(0, 5, 1), sink);  // the grandparent's stack
    decode(grandchild, one_site(2, 6, 1), sink);  // the child's
    ASSERT_EQ(sink.processes.size(), 3u);
    std::vector<std::vector<std::uint64_t>> frames;
    for (const auto& [id, site] : sink.processes[2].sites) frames.push_back(sink.stacks.at(id).frames);
    EXPECT_EQ(frames, (std::vector<std::vector<std::uint64_t>>{{0x1000, 0x2000}, {0x1200}}));
    EXPECT_EQ((sink.python[{2, 0xffff800000000001ull}]), "work");
    EXPECT_EQ((sink.python[{2, 0xffff800000000002ull}]), "child_main") << "frame 1 is the child's, not the parent's";
    EXPECT_TRUE(sink.errors.empty()) << sink.errors.front();
}

TEST(CollectorFork, AChildOfAStreamNeverReceivedLosesOnlyItsInheritedSitesAndSaysSo) {
    collector::DecoderIds ids;
    RecordingSink sink;
    {
        collector::StreamDecoder child(ids, 0);
        decode(child, hello(11, 222, {999, 5, 0}), sink);
        decode(child, one_site(3, 100, 1), sink);  // inherited from a stream this collector never had
        decode(child, one_stack(5, {0x1500}), sink);
        decode(child, one_site(5, 10, 1), sink);
        ASSERT_EQ(sink.processes.size(), 1u);
        EXPECT_EQ(sink.processes[0].sites.size(), 1u) << "its own site still arrives";
        EXPECT_TRUE(ids.notes.empty());
    }
    ASSERT_EQ(ids.notes.size(), 1u);
    EXPECT_NE(ids.notes[0].find("1 updates of its sites on stacks inherited from its parent are left out"), std::string::npos)
        << ids.notes[0];
}

// watch reads totals only: the collector keeps no frames for its streams' children, and their sites on
// inherited stacks are passed over without a word.
TEST(CollectorFork, ASinkWithoutStacksCostsNoFramesAndNoWarnings) {
    struct TotalsOnly : RecordingSink {
        bool keeps_stacks() const override { return false; }
    } sink;
    collector::DecoderIds ids;
    {
        collector::StreamDecoder parent(ids, 0), child(ids, 0);
        parent_sends(parent, sink);
        decode(child, hello(11, 222, {111, 2, 2}), sink);
        decode(child, one_site(1, 1000, 1), sink);
        EXPECT_EQ(sink.stacks.size(), 2u) << "only the parent's own, as sent";
        EXPECT_TRUE(sink.processes[1].sites.empty());
    }
    EXPECT_TRUE(ids.notes.empty()) << ids.notes.front();
}

int connect_to(const collector::TrackerCollector& collector) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, collector.socket_path().c_str(), sizeof(address.sun_path) - 1);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    return fd;
}

void send_all(int fd, const std::vector<std::vector<std::uint8_t>>& packets) {
    for (const auto& p : packets) ASSERT_EQ(send(fd, p.data(), p.size(), 0), static_cast<ssize_t>(p.size()));
}

// The collector reads streams in descriptor order; a child's stream may come first (a low descriptor
// freed by an ended stream). Its hello waits for what the parent had queued: hello, stacks and all.
TEST(CollectorFork, TheChildsHelloIsReadAfterWhatItsParentHadQueued) {
    collector::CollectorOptions options;
    options.tracker_library = tracker_library_path();
    collector::TrackerCollector collector(options);
    RecordingSink sink;
    const int child = connect_to(collector);  // accepted first: the lower descriptor
    while (collector.open_streams() < 1) collector.poll(sink, 10);
    const int parent = connect_to(collector);
    while (collector.open_streams() < 2) collector.poll(sink, 10);
    send_all(parent, {hello(10, 111), one_stack(0, {0x1000, 0x2000}), one_site(0, 4000, 1)});
    send_all(child, {hello(11, 222, {111, 1, 0}), one_site(0, 1000, 1)});
    for (int i = 0; i < 20 && sink.processes.size() < 2; ++i) collector.poll(sink, 10);
    ASSERT_EQ(sink.processes.size(), 2u);
    EXPECT_EQ(sink.processes[0].info.pid, 10) << "the parent's hello first";
    ASSERT_EQ(sink.processes[1].sites.size(), 1u);
    EXPECT_EQ(sink.stacks.at(sink.processes[1].sites.begin()->first).frames, (std::vector<std::uint64_t>{0x1000, 0x2000}));
    EXPECT_TRUE(collector.warnings().empty()) << collector.warnings().front();
    EXPECT_TRUE(sink.errors.empty()) << sink.errors.front();
    close(child);
    close(parent);
}

// Two children read before their parent: the second child's hello reads the other streams too, but not
// the first child's, whose own hello is still waiting (its next packet must not come before it).
TEST(CollectorFork, ChildrenWhoseHellosWaitDoNotReadEachOther) {
    collector::CollectorOptions options;
    options.tracker_library = tracker_library_path();
    collector::TrackerCollector collector(options);
    RecordingSink sink;
    int fds[3];
    for (int i = 0; i < 3; ++i) {
        fds[i] = connect_to(collector);
        while (collector.open_streams() < static_cast<std::size_t>(i + 1)) collector.poll(sink, 10);
    }
    const int first = fds[0], second = fds[1], parent = fds[2];
    send_all(parent, {hello(10, 111), one_stack(0, {0x1000, 0x2000})});
    send_all(first, {hello(11, 222, {111, 1, 0}), one_site(0, 1000, 1)});
    send_all(second, {hello(12, 333, {111, 1, 0}), one_site(0, 2000, 2)});
    for (int i = 0; i < 20 && (sink.processes.size() < 3 || sink.processes[2].sites.empty()); ++i) collector.poll(sink, 10);
    ASSERT_EQ(sink.processes.size(), 3u);
    EXPECT_EQ(collector.open_streams(), 3u) << "no stream was dropped";
    for (std::uint32_t p = 1; p < 3; ++p) EXPECT_EQ(sink.processes[p].sites.size(), 1u) << "process " << p;
    EXPECT_TRUE(collector.warnings().empty()) << collector.warnings().front();
    for (int fd : fds) close(fd);
}

}  // namespace
}  // namespace leakscope::tracker_test
