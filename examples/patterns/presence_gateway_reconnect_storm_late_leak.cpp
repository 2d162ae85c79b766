// A leak that starts late, on four threads (written in session 20 as a held-out check, never tuned
// on): the WebSocket gateway of a chat product's presence service. Four worker threads each own a
// shard of the live connections (2,500 each, loaded at start as the gateway takes over from the one it
// replaces); each second every shard accepts 100 new connections and closes 100 (graceful closes: the
// session and its state are freed) and delivers 4,000 presence updates to its connections.
// At 40% of the run the presence store behind the gateway fails over, and a reconnect storm begins:
// from then on each shard sees 30 reconnects a second of clients that resume their session (a
// resume token, so they need not subscribe again). A reconnect closes the old connection, parks a
// snapshot of its state (its subscriptions and its last presence payload) keyed by its connection id,
// and the resume copies that snapshot into the new session and erases the parked entry, but by the
// new connection's id: the snapshot stays parked for good. Live connections stay at 10,000.
// Truth: a leak from 40% of the run (7.2 s of 18 s), linear: 120 reconnects a second (a few find their
// connection already gone), each parking a snapshot of ~3.3 kB (its subscription list, 12-40 channel
// names of 19 characters, and the last presence payload, 1.1-1.9 kB, copied in Shard::park, the biggest
// part). The resumed session gets exact-size copies of the same state while the old session's
// (grown by push_back and +=, with slack) is freed, so the live heap grows by ~2.1 kB a reconnect:
// ~235 kB/s on a ~42 MB heap (10,000 sessions), ~2.5 MB over the last 10.8 s; flat before (the
// accepts and closes balance).
// Measured (session 20): a plain run without leakscope (RSS, glibc's mallinfo2 every 100 ms): heap
// 46.7 -> 46.9 MB over 1-7 s (+27 kB/s), then +247 kB/s over 8-13 s and +273 over 13-18 s (49.8 MB at
// 18 s); RSS 49.9 -> 50.2 MB before the storm, +250 kB/s after it; tests/accuracy/measure.py
// (tracked): live heap 41.55 -> 41.67 MB over 1-7.2 s (+22 kB/s), +213 kB/s over 8-13 s, +241 over
// 13-18 s (44.1 MB at 18 s); 1,229 snapshots parked at exit, 10,000 live connections.
// Usage: presence_gateway_reconnect_storm_late_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

struct Session {
    std::uint64_t connection;
    std::uint64_t user;
    std::string resume_token;
    std::vector<std::string> subscriptions;
    std::string last_presence;  // the presence payload last sent to this client
    std::uint64_t updates = 0;
};

struct ParkedSession {
    std::uint64_t user;
    std::vector<std::string> subscriptions;
    std::string last_presence;
};

std::string presence_payload(std::uint64_t user, std::uint64_t h) {
    std::string payload = "{\"user\":" + std::to_string(user) + ",\"status\":\"" + (h % 3 ? "online" : "away") +
                          "\",\"devices\":[";
    const std::size_t target = 1100 + h % 801;
    while (payload.size() + 2 < target)
        payload += "{\"id\":\"" + std::to_string(mix(h + payload.size()) % 100000000) + "\",\"kind\":\"mobile\"},";
    payload += "]}";
    return payload;
}

class Shard {
public:
    explicit Shard(std::uint64_t index) : index_(index) {
        for (int k = 0; k < kInitialSessions; ++k) accept();
    }

    // One tick (10 ms): an accept and a graceful close; presence updates; storm reconnects if on.
    void tick(long i, bool storm) {
        accept();
        close_oldest();
        for (int k = 0; k < 40; ++k) deliver_update(mix(index_ * 7919 + static_cast<std::uint64_t>(i) * 40 + k));
        if (storm && i % 10 < 3) reconnect(mix(index_ * 104729 + static_cast<std::uint64_t>(i)));
    }

    std::size_t live() const { return sessions_.size(); }
    std::size_t parked() const { return parked_.size(); }

private:
    static constexpr int kInitialSessions = 2500;

    std::uint64_t next_connection() { return (++connections_ << 3) | index_; }

    void accept() {
        const std::uint64_t connection = next_connection();
        const std::uint64_t h = mix(connection);
        auto session = std::make_unique<Session>();
        session->connection = connection;
        session->user = h % 5000000;
        session->resume_token = "rt_" + std::to_string(mix(h)) + std::to_string(connection);
        const std::size_t channels = 12 + h % 29;
        for (std::size_t c = 0; c < channels; ++c)
            session->subscriptions.push_back("presence:team-" + std::to_string(mix(h + c) % 40000));
        session->last_presence = presence_payload(session->user, h);
        order_.push_back(connection);
        sessions_.emplace(connection, std::move(session));
    }

    void close_oldest() {
        while (oldest_ < order_.size() && !sessions_.erase(order_[oldest_])) ++oldest_;  // skip reconnected ones
        ++oldest_;
        if (oldest_ > 100000) {
            order_.erase(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(oldest_));
            oldest_ = 0;
        }
    }

    void deliver_update(std::uint64_t h) {
        if (sessions_.empty()) return;
        auto it = sessions_.find(order_[oldest_ + h % (order_.size() - oldest_)]);
        if (it == sessions_.end()) return;
        it->second->updates++;
        it->second->last_presence.replace(10, 6, std::to_string(h % 1000000));
    }

    // A client drops and comes back with its resume token on a new connection.
    void reconnect(std::uint64_t h) {
        auto it = sessions_.find(order_[oldest_ + h % (order_.size() - oldest_)]);
        if (it == sessions_.end()) return;
        std::unique_ptr<Session> old = std::move(it->second);
        sessions_.erase(it);
        park(*old);
        const std::uint64_t connection = next_connection();
        auto resumed = std::make_unique<Session>();
        resumed->connection = connection;
        resumed->user = old->user;
        resumed->resume_token = old->resume_token;
        resume(*resumed, old->connection);
        order_.push_back(connection);
        sessions_.emplace(connection, std::move(resumed));
    }

    __attribute__((noinline)) void park(const Session& old) {
        parked_.emplace(old.connection, ParkedSession{old.user, old.subscriptions, old.last_presence});
    }

    void resume(Session& session, std::uint64_t old_connection) {
        auto parked = parked_.find(old_connection);
        if (parked == parked_.end()) return;
        session.subscriptions = parked->second.subscriptions;
        session.last_presence = parked->second.last_presence;
        parked_.erase(session.connection);  // the bug: the parked entry is keyed by the old connection
    }

    std::uint64_t index_;
    std::uint64_t connections_ = 0;
    std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
    std::unordered_map<std::uint64_t, ParkedSession> parked_;
    std::vector<std::uint64_t> order_;  // connections in accept order, for graceful closes of the oldest
    std::size_t oldest_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    const double storm_at = 0.4 * seconds;
    // Each worker loads its own shard, so that the sessions live in its malloc arena from the start (the
    // takeover), then all four start serving together.
    std::vector<std::unique_ptr<Shard>> shards(4);
    std::latch loaded(4);
    std::vector<std::thread> workers;
    for (std::uint64_t s = 0; s < 4; ++s) {
        workers.emplace_back([&, s] {
            shards[s] = std::make_unique<Shard>(s);
            loaded.arrive_and_wait();
            pattern::every(0.01, seconds, [&](long i, double t) { shards[s]->tick(i, t >= storm_at); });
        });
    }
    for (auto& worker : workers) worker.join();
    std::size_t live = 0, parked = 0;
    for (auto& shard : shards) {
        live += shard->live();
        parked += shard->parked();
    }
    std::fprintf(stderr, "storm from %.1f s: %zu live connections, %zu parked snapshots\n", storm_at, live, parked);
    std::_Exit(0);
}
