// A leak that starts mid-run, inside worker threads (written in session 13 as a held-out check, never
// tuned on): an ingest consumer takes 1,000 messages a second from a broker on three worker threads,
// routing them with a 12 MB routing table loaded at start. Each worker keeps a copy of every message
// it has not yet had acknowledged downstream, in its own std::list of pending acks, and drops it when
// the ack comes back (about 40 messages later). From 6 s the producers roll out a new envelope
// version: a quarter of the messages are v2, whose acks carry the delivery tag in a new field; the ack
// handler still reads the old one, finds no pending entry, and the v2 copies stay in the lists.
// Truth: a leak, linear, from 6 s (flat before: ~40 pending per worker). 250 v2 messages a second,
// each kept as a list node holding a PendingAck: its payload copy (700-1,300 B, varying per message,
// 1,000 on average), its 40-character routing key (41 B), the node itself (~80 B) and its entry in
// the worker's tag index (~40 B): ~1,160 B x 250 = ~290 kB/s from 6 s, ~2.9 MB over a 16 s run on a
// ~27 MB process. All allocated on the workers, in Worker::hold_for_ack.
// Measured (tests/accuracy/measure.py, session 13): live heap flat over 1-6 s (13.45 MB, +2 B/s), then
// +292 kB/s over 6.5-15.5 s (13.5 -> 16.1 MB); RSS 27.1 MB flat, then +345 kB/s. The program ends with
// 2,592 messages waiting for an ack (2,500 of them v2).
// Usage: ingest_ack_late_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <deque>
#include <list>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Message {
    std::uint64_t delivery_tag = 0;
    int version = 1;
    std::string routing_key;
    std::string payload;
    // The ack that came back with this delivery for an earlier message: v1 acks name the tag in
    // `acked_tag`, v2 acks in `acked_delivery_id`.
    std::uint64_t acked_tag = 0;
    std::uint64_t acked_delivery_id = 0;
};

struct PendingAck {
    std::uint64_t tag = 0;
    std::string routing_key;
    std::string payload;
};

class RoutingTable {
public:
    RoutingTable() {
        for (int k = 0; k < 60000; ++k) routes_.emplace(k, std::string(160, static_cast<char>('a' + k % 26)));
    }
    const std::string& route(std::uint64_t key) const { return routes_.at(static_cast<int>(key % 60000)); }

private:
    std::unordered_map<int, std::string> routes_;
};

class Worker {
public:
    explicit Worker(const RoutingTable& routes) : routes_(routes) {}

    void handle(const Message& m) {
        const std::string& route = routes_.route(m.delivery_tag);
        checksum_ += route[m.delivery_tag % route.size()] + m.payload[m.payload.size() / 2];
        hold_for_ack(m);
        // The handler reads the tag where v1 put it; a v2 ack leaves acked_tag at 0.
        if (m.acked_tag != 0) release(m.acked_tag);
    }
    std::size_t pending() const { return pending_.size(); }

private:
    __attribute__((noinline)) void hold_for_ack(const Message& m) {
        pending_.push_back(PendingAck{m.delivery_tag, m.routing_key, m.payload});
        index_[m.delivery_tag] = std::prev(pending_.end());
    }
    void release(std::uint64_t tag) {
        auto it = index_.find(tag);
        if (it == index_.end()) return;
        pending_.erase(it->second);
        index_.erase(it);
    }

    const RoutingTable& routes_;
    std::list<PendingAck> pending_;
    std::unordered_map<std::uint64_t, std::list<PendingAck>::iterator> index_;
    long checksum_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    const RoutingTable routes;
    constexpr int kWorkers = 3;
    std::vector<Worker> workers(kWorkers, Worker(routes));
    std::vector<pattern::WorkQueue<Message>> queues(kWorkers);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWorkers; ++w)
        threads.emplace_back([&, w] {
            Message m;
            while (queues[static_cast<std::size_t>(w)].pop(m)) workers[static_cast<std::size_t>(w)].handle(m);
        });
    std::uint64_t tag = 0;
    // Per worker, the last 41 tags it was given and their versions, so the ack of the one 40 messages
    // back rides on the next.
    std::vector<std::deque<std::pair<std::uint64_t, int>>> given(kWorkers);
    // 100 ticks a second, 10 messages each: 1,000 a second, spread over the workers by tag.
    pattern::every(0.01, seconds, [&](long, double t) {
        for (int k = 0; k < 10; ++k) {
            Message m;
            m.delivery_tag = ++tag;
            m.version = (t >= 6.0 && tag % 4 == 0) ? 2 : 1;
            char key[64];
            std::snprintf(key, sizeof key, "tenant-%04llu.events.%08llu.partition-%03llu",
                          static_cast<unsigned long long>(tag % 1000), static_cast<unsigned long long>(tag % 100000000),
                          static_cast<unsigned long long>(tag % 128));
            m.routing_key.assign(key, 40);
            m.payload.assign(700 + (tag * 7919) % 601, static_cast<char>('0' + tag % 10));
            const std::size_t w = tag % kWorkers;
            auto& mine = given[w];
            mine.emplace_back(tag, m.version);
            if (mine.size() > 41) {
                const auto [acked, version] = mine.front();
                mine.pop_front();
                if (version == 2)
                    m.acked_delivery_id = acked;
                else
                    m.acked_tag = acked;
            }
            queues[w].push(std::move(m));
        }
    });
    for (auto& q : queues) q.close();
    for (auto& th : threads) th.join();
    std::size_t pending = 0;
    for (auto& w : workers) pending += w.pending();
    std::fprintf(stderr, "%llu messages, %zu still waiting for an ack\n", static_cast<unsigned long long>(tag), pending);
    return 0;
}
