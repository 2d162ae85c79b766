// A fake peer on the tracker's socket names a file its process never mapped as a module (the shadow
// password file, here a file watched with inotify): symbolizing never opens it. A module the process
// does map is read through its own view and still gives names. A peer that stays connected but falls
// silent leaves the heap unknown, unless it is stopped.
#include <gtest/gtest.h>
#include <link.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "protocol.hpp"
#include "recording/recording_writer.hpp"
#include "session/tracker_bridge.hpp"

namespace leakscope::session {
namespace {

namespace wire = leakscope::tracker::wire;

/// A function of this test binary, whose address names a mapping of it.
__attribute__((noinline)) int mapped_function(int x) { return x * 3 + 1; }

std::vector<std::uint8_t> packet(wire::PacketType type, std::uint32_t count, const std::vector<std::uint8_t>& body) {
    wire::PacketHeader h{type, count, 1'000'000'000};
    // Sized once and filled (GCC 12 warns, wrongly, about a vector insert into the header's bytes).
    std::vector<std::uint8_t> bytes(sizeof h + body.size());
    std::memcpy(bytes.data(), &h, sizeof h);
    std::copy(body.begin(), body.end(), bytes.begin() + sizeof h);
    return bytes;
}

template <typename T>
void append(std::vector<std::uint8_t>& out, const T& value) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof value);
}

void append(std::vector<std::uint8_t>& out, const std::string& text) { out.insert(out.end(), text.begin(), text.end()); }

/// The main program's load bias (dlpi_addr): module addresses are ELF addresses plus it.
std::uint64_t main_load_bias() {
    std::uint64_t bias = 0;
    dl_iterate_phdr([](dl_phdr_info* info, std::size_t, void* out) {
        *static_cast<std::uint64_t*>(out) = info->dlpi_addr;
        return 1;  // the first object is the main program
    }, &bias);
    return bias;
}

std::vector<std::uint8_t> module(std::uint32_t id, const std::string& path, std::uint64_t start, std::uint64_t end) {
    std::vector<std::uint8_t> body;
    append(body, wire::ModuleBody{id, static_cast<std::uint16_t>(path.size()), 0, start, end, main_load_bias()});
    append(body, path);
    return body;
}

int connect_to(const std::string& socket_path) {
    const int peer = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    return ::connect(peer, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 ? peer : -1;
}

std::vector<std::uint8_t> hello_from(std::int32_t pid, const std::string& exe) {
    std::vector<std::uint8_t> body;
    append(body, wire::HelloBody{wire::kProtocolVersion, pid, 1, 100, 0, static_cast<std::uint16_t>(exe.size()), 4, 0});
    append(body, exe);
    append(body, std::string("fake"));
    return packet(wire::PacketType::kHello, 1, body);
}

void send_all(int fd, const std::vector<std::vector<std::uint8_t>>& packets) {
    for (const auto& p : packets) ASSERT_EQ(::send(fd, p.data(), p.size(), 0), static_cast<ssize_t>(p.size()));
}

struct Scratch {
    std::filesystem::path dir;
    Scratch() {
        std::string pattern = (std::filesystem::temp_directory_path() / "leakscope-fake-peer-XXXXXX").string();
        dir = ::mkdtemp(pattern.data());
    }
    ~Scratch() { std::filesystem::remove_all(dir); }
};

TEST(FakePeer, AModuleFileTheProcessNeverMappedIsNeverOpened) {
    Scratch scratch;
    const std::string secret = (scratch.dir / "shadow").string();
    std::ofstream(secret) << "root:$6$not-for-leakscope:19000:0:99999:7:::\n";
    const int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ASSERT_GE(watch, 0);
    ASSERT_GE(inotify_add_watch(watch, secret.c_str(), IN_OPEN | IN_ACCESS), 0);

    collector::CollectorOptions options;
    options.tracker_library = "/proc/self/exe";  // any regular file: nothing is preloaded here
    TrackerBridge bridge("fake", options);
    auto writer = recording::RecordingWriter::create((scratch.dir / "r.lks").string(), RunInfo{});
    bridge.attach_writer(writer);

    // The fake peer is this process: it names the secret file at an address where it maps its own
    // binary, and its own binary (by the path it has) at another.
    const std::string socket_path = bridge.target_environment().at("LEAKSCOPE_TRACKER_SOCKET");
    const int peer = connect_to(socket_path);
    ASSERT_GE(peer, 0);
    const std::string exe = std::filesystem::read_symlink("/proc/self/exe").string();
    const auto code = reinterpret_cast<std::uint64_t>(&mapped_function);
    const auto data = reinterpret_cast<std::uint64_t>(&typeid(Scratch));  // also this binary, far from the code
    std::vector<std::uint8_t> modules = module(1, exe, code & ~0xfffull, (code & ~0xfffull) + 0x1000);
    const auto secret_module = module(2, secret, data & ~0xfffull, (data & ~0xfffull) + 0x100);
    modules.insert(modules.end(), secret_module.begin(), secret_module.end());
    std::vector<std::uint8_t> stacks;
    append(stacks, wire::StackHeader{1, 2});
    append(stacks, code + 1);  // a return address just inside mapped_function
    append(stacks, (data & ~0xfffull) + 0x10);
    send_all(peer, {hello_from(::getpid(), exe), packet(wire::PacketType::kModulesLoaded, 2, modules),
                    packet(wire::PacketType::kStacks, 1, stacks)});

    SamplePoint sample;
    bridge.poll_into(0.1, sample);
    ASSERT_EQ(writer.model().modules.size(), 2u);
    bridge.symbolize_into(writer, {});
    ::close(peer);

    inotify_event event{};
    EXPECT_EQ(::read(watch, &event, sizeof event), -1) << "the secret file was opened or read";
    ::close(watch);
    const auto& symbols = writer.model().symbols;
    const auto named = symbols.find({0, code + 1});
    ASSERT_NE(named, symbols.end());
    EXPECT_NE(named->second.back().function.find("mapped_function"), std::string::npos) << named->second.back().function;
    const auto refused = symbols.find({0, (data & ~0xfffull) + 0x10});
    ASSERT_NE(refused, symbols.end());
    EXPECT_EQ(refused->second.back().function, "??");
    bool warned = false;
    for (const auto& w : writer.model().warnings) warned = warned || w.find("module files not opened") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST(FakePeer, AnotherProcessCannotPassForTheProgramALostStreamExecd) {
    Scratch scratch;
    collector::CollectorOptions options;
    options.tracker_library = "/proc/self/exe";
    TrackerBridge bridge("fake", options);
    auto writer = recording::RecordingWriter::create((scratch.dir / "r.lks").string(), RunInfo{});
    bridge.attach_writer(writer);
    const std::string socket_path = bridge.target_environment().at("LEAKSCOPE_TRACKER_SOCKET");

    // This process announces an exec and its stream ends; it runs on (no new program reports).
    const int stream = connect_to(socket_path);
    ASSERT_GE(stream, 0);
    send_all(stream, {hello_from(::getpid(), "/bin/old"), packet(wire::PacketType::kExec, 0, {})});
    ::close(stream);
    SamplePoint first;
    bridge.poll_into(0.1, first);
    // Waiting for the exec'd program: it counts as nothing yet, as a new process does before its first
    // report (exec took the old image's memory with it); unknown once it is lost (below).
    EXPECT_TRUE(known(first.live_heap)) << "waiting for the exec'd program";

    // A child says hello in this process's name, as if it were the program exec'd.
    const pid_t child = ::fork();
    if (child == 0) {
        const int impostor = connect_to(socket_path);
        const auto hello = hello_from(::getppid(), "/bin/new");
        const bool sent = impostor >= 0 && ::send(impostor, hello.data(), hello.size(), 0) == static_cast<ssize_t>(hello.size());
        ::pause();  // stays connected until killed
        ::_exit(sent ? 0 : 1);
    }
    SamplePoint second, third;
    for (int i = 0; i < 50 && writer.model().processes.size() < 2; ++i) {
        ::usleep(20000);
        bridge.poll_into(0.2, second);
    }
    EXPECT_EQ(writer.model().processes.size(), 2u) << "the child's stream was read";
    bridge.poll_into(5.0, third);  // past the 2 s an exec'd program gets to report
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_FALSE(known(third.live_heap));
    ASSERT_EQ(writer.model().tracking_lost.size(), 1u) << "the impostor did not reclaim the lost stream";
    EXPECT_NE(writer.model().tracking_lost[0].reason.find("exec"), std::string::npos);
}

/// The state letter of /proc/PID/stat ('?' when unreadable).
char state_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

TEST(FakePeer, AStreamThatStaysOpenButFallsSilentLeavesTheHeapUnknownFromItsLastReport) {
    Scratch scratch;
    collector::CollectorOptions options;
    options.tracker_library = "/proc/self/exe";
    options.interval_ms = 100;
    TrackerBridge bridge("fake", options);
    auto writer = recording::RecordingWriter::create((scratch.dir / "r.lks").string(), RunInfo{});
    bridge.attach_writer(writer);
    const std::string socket_path = bridge.target_environment().at("LEAKSCOPE_TRACKER_SOCKET");

    // A child reports 1 MB once, then stays connected and says nothing more: a tracker whose thread is stuck.
    std::vector<std::uint8_t> totals;
    append(totals, wire::TotalsBody{1000000, 10, 0, 10, 0, 0, 0});
    const pid_t child = ::fork();
    if (child == 0) {
        const int stream = connect_to(socket_path);
        const auto hello = hello_from(::getpid(), "/bin/quiet");
        const auto report = packet(wire::PacketType::kTotals, 1, totals);
        const bool sent = stream >= 0 && ::send(stream, hello.data(), hello.size(), 0) == static_cast<ssize_t>(hello.size()) &&
                          ::send(stream, report.data(), report.size(), 0) == static_cast<ssize_t>(report.size());
        for (;;) ::pause();  // connected until killed
        ::_exit(sent ? 0 : 1);
    }
    SamplePoint first;
    for (int i = 0; i < 250 && !known(first.live_heap); ++i) {
        ::usleep(20000);
        bridge.poll_into(0.1, first);
    }
    ASSERT_EQ(first.live_heap, 1000000u) << "the child's report was read";
    SamplePoint quiet;
    bridge.poll_into(5.0, quiet);
    EXPECT_EQ(quiet.live_heap, 1000000u) << "quiet for 4.9 s: not yet silent";

    // Stopped (SIGSTOP), it allocates nothing: its last report holds, however long it lasts.
    ::kill(child, SIGSTOP);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, WUNTRACED), child);
    ASSERT_TRUE(WIFSTOPPED(status));
    ASSERT_EQ(state_of(child), 'T');
    SamplePoint stopped;
    bridge.poll_into(20.0, stopped);
    EXPECT_EQ(stopped.live_heap, 1000000u) << "a stopped process is not lost";

    // It runs again, and its tracker stays silent: unknown from when it was last known (stopped at 20 s).
    ::kill(child, SIGCONT);
    ASSERT_EQ(::waitpid(child, &status, WCONTINUED), child);
    SamplePoint resumed, suspected, silent;
    bridge.poll_into(25.0, resumed);
    bridge.poll_into(25.5, suspected);
    bridge.poll_into(27.0, silent);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(resumed.live_heap, 1000000u);
    EXPECT_EQ(suspected.live_heap, 1000000u) << "seen silent and running only just now";
    EXPECT_FALSE(known(silent.live_heap)) << "stale totals passed for current ones";
    ASSERT_EQ(writer.model().tracking_lost.size(), 1u);
    EXPECT_DOUBLE_EQ(writer.model().tracking_lost[0].t_s, 20.0);
    EXPECT_NE(writer.model().tracking_lost[0].reason.find("stopped reporting"), std::string::npos);
    bool warned = false;
    for (const auto& w : writer.model().warnings) warned = warned || w.find("allocation tracking lost at 20.0 s") != std::string::npos;
    EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace leakscope::session
