// A leak on an error path of an RPC server (written in session 12 by the lead as a first-run check;
// in the tuning set since its author tunes the engine): a dispatcher opens 1,200 streams a second
// in a registry (std::unordered_map of std::unique_ptr<Stream>, each with a 4 KiB flow-control
// window and its peer's address); three workers finish them and erase them from the registry,
// except a cancelled stream (1 in 25): the cancel path logs and returns before the erase. Beside it
// a 6 MB peer table loaded at start and an access log kept as a bounded deque of its last 2,000
// lines.
// Truth: a leak, linear. Each kept stream holds its window (4,096 B asked of malloc), the Stream
// object (new Stream, under 128 B), its peer string (48 characters, 49 B) and the map's node (32 B):
// 48 a second x ~4,270 B = ~205,000 B/s, ~2.9 MB over 14 s on ~10 MB. The windows are all allocated
// in StreamRegistry::open.
// Usage: stream_registry_cancel_leak SECONDS
#include <atomic>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Stream {
    std::uint64_t id = 0;
    std::string peer;
    std::vector<char> window;
    bool cancelled = false;
};

class StreamRegistry {
public:
    __attribute__((noinline)) Stream* open(std::uint64_t id, const std::string& peer, bool cancelled) {
        auto stream = std::make_unique<Stream>();
        stream->id = id;
        stream->peer = peer;
        stream->window.resize(4096);
        pattern::touch(stream->window.data(), stream->window.size());
        stream->cancelled = cancelled;
        Stream* raw = stream.get();
        std::lock_guard lock(mutex_);
        streams_.emplace(id, std::move(stream));
        return raw;
    }
    void close(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        streams_.erase(id);
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return streams_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Stream>> streams_;
};

class AccessLog {
public:
    void write(std::string line) {
        std::lock_guard lock(mutex_);
        lines_.push_back(std::move(line));
        if (lines_.size() > 2000) lines_.pop_front();
    }

private:
    std::mutex mutex_;
    std::deque<std::string> lines_;
};

void finish(StreamRegistry& registry, AccessLog& log, Stream* stream) {
    long checksum = 0;
    for (std::size_t k = 0; k < stream->window.size(); k += 512) checksum += stream->window[k];
    if (stream->cancelled) {
        // The bug: the cancel path reports and returns; the stream stays in the registry for good.
        log.write("cancelled stream " + std::to_string(stream->id) + " from " + stream->peer);
        return;
    }
    log.write("finished stream " + std::to_string(stream->id) + " checksum " + std::to_string(checksum));
    registry.close(stream->id);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    // The peer table: 6 MB loaded at start (20,000 entries of 300 characters).
    std::vector<std::string> peers;
    for (int k = 0; k < 20000; ++k) peers.emplace_back(300, static_cast<char>('a' + k % 26));
    StreamRegistry registry;
    AccessLog log;
    pattern::WorkQueue<Stream*> queue;
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w)
        workers.emplace_back([&] {
            Stream* stream;
            while (queue.pop(stream)) finish(registry, log, stream);
        });
    std::uint64_t next_id = 1;
    // 100 ticks a second, 12 streams each; every 25th is cancelled by its client.
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < 12; ++k, ++next_id) {
            char peer[64];
            std::snprintf(peer, sizeof peer, "10.%03d.%03d.%03d:%05d/client-%020llu", static_cast<int>(next_id % 200),
                          static_cast<int>(next_id / 200 % 250), static_cast<int>(next_id % 7), static_cast<int>(40000 + next_id % 20000),
                          static_cast<unsigned long long>(next_id));
            queue.push(registry.open(next_id, std::string(peer, 48), next_id % 25 == 0));
        }
    });
    queue.close();
    for (auto& t : workers) t.join();
    std::printf("%zu streams left open of %llu, %zu peers\n", registry.size(), static_cast<unsigned long long>(next_id - 1), peers.size());
    return 0;
}
