// A slow, still-reachable leak on a big base (written in session 16 as a held-out check, never tuned
// on): an HTTP front end. At start it loads its URL rewrite map (400,000 legacy paths -> new paths,
// ~97 MB of heap), then accepts 64 keep-alive connections a second; each lives 0.4-2.5 s, serving a
// request every few ticks (a lookup in the rewrite map and a response string, freed at once). Every
// accepted connection arms a one-hour idle timer in a timer heap (a std::priority_queue) whose
// callback holds a shared_ptr to the connection. Closing a connection cancels its timer lazily: the
// timer's id goes into a `cancelled` set and the heap is meant to skip it when it reaches the top.
// It reaches the top an hour later, so every closed connection stays pinned by its timer until then:
// its handshake record (peer, SNI host, user agent, ALPN) and the timer entry itself. The read buffer
// is released at close, so only the small part of each connection stays.
// Truth: a leak, linear, from the start (after the ~1.9 s load): 64 connections a second, each
// keeping its make_shared block with the Connection (320 B asked), its peer, SNI and user-agent
// strings (~45 + ~45 + ~95 B), the timer's std::function state (16 B) and a node of the cancelled
// set (16 B): ~540 B asked of malloc, ~35 kB/s, plus the heap's vector of 48 B slots doubling
// (128 -> 2,048 slots, ~6 kB/s on average, in small steps): ~40 kB/s asked, ~45 kB/s of malloc
// chunks, ~0.7 MB over an 18 s run on a ~104 MB process (~0.7%). The connections are allocated in
// Listener::accept_connection.
// Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a
// scratch preload shim, no tracker): heap 3.8 -> 100.8 MB over 0-2 s (the rewrite map), then
// 100.79 -> 101.53 MB over 2-18 s, +44.6 kB/s (+45.1 over 3-10 s, +45.8 over 10-18 s); RSS
// 103.4 -> 104.1 MB, +44.2 kB/s; 1,152 connections accepted, 1,063 closed, 1,152 timers pending.
// Usage: keepalive_timer_heap_slow_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pacing.hpp"

namespace {

class RewriteMap {
public:
    void load(int entries, std::mt19937& rng) {
        static const char* const kSections[] = {"shop", "blog", "help", "catalog", "account", "legacy", "promo"};
        map_.reserve(static_cast<std::size_t>(entries));
        for (int k = 0; k < entries; ++k) {
            std::string from = std::string("/") + kSections[rng() % 7] + "/item-" + std::to_string(k) + "/" +
                               std::to_string(rng() % 100000) + ".html";
            std::string to = std::string("/v2/") + kSections[rng() % 7] + "/" + std::to_string(k * 7919u % 1000003u) +
                             "?ref=rewrite&campaign=" + std::to_string(rng() % 500);
            map_.emplace(std::move(from), std::move(to));
            keys_.push_back(k);
        }
    }
    const std::string* find(const std::string& path) const {
        auto it = map_.find(path);
        return it == map_.end() ? nullptr : &it->second;
    }

private:
    std::unordered_map<std::string, std::string> map_;
    std::vector<int> keys_;
};

struct Connection {
    int fd = -1;
    std::string peer;
    std::string sni_host;
    std::string user_agent;
    char alpn[16] = {};
    std::vector<char> read_buffer;
    std::uint64_t idle_timer = 0;
    std::uint64_t requests = 0;
    std::uint64_t bytes_out = 0;
    double opened_s = 0;
    double closes_at_s = 0;
    bool open = true;
    double last_activity_s = 0;
    std::uint32_t tls_version = 0x0304;
    std::uint32_t cipher = 0x1301;
    std::uint64_t padding_for_stats[12] = {};

    void close() {
        open = false;
        std::vector<char>().swap(read_buffer);  // the big part goes back at close
    }
};

/// A timer heap with lazy cancellation: cancelled timers stay in the heap until they come due.
class TimerHeap {
public:
    std::uint64_t arm(double due_s, std::function<void()> callback) {
        const std::uint64_t id = ++last_id_;
        heap_.push(Timer{due_s, id, std::move(callback)});
        return id;
    }
    void cancel(std::uint64_t id) { cancelled_.insert(id); }
    void run_due(double now_s) {
        while (!heap_.empty() && heap_.top().due_s <= now_s) {
            Timer timer = heap_.top();
            heap_.pop();
            if (cancelled_.erase(timer.id) == 0) timer.callback();
        }
    }
    std::size_t pending() const { return heap_.size(); }

private:
    struct Timer {
        double due_s;
        std::uint64_t id;
        std::function<void()> callback;
        bool operator<(const Timer& other) const { return due_s > other.due_s; }
    };
    std::priority_queue<Timer> heap_;
    std::unordered_set<std::uint64_t> cancelled_;
    std::uint64_t last_id_ = 0;
};

class Listener {
public:
    explicit Listener(TimerHeap& timers) : timers_(timers) {}

    __attribute__((noinline)) std::shared_ptr<Connection> accept_connection(double now_s, std::mt19937& rng) {
        static const char* const kAgents[] = {
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0 (compatible)"};
        auto conn = std::make_shared<Connection>();
        conn->fd = next_fd_++;
        conn->peer = "198.51." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + ":" +
                     std::to_string(20000 + rng() % 40000) + " (via lb-3)";
        conn->sni_host = "shop-" + std::to_string(rng() % 40) + ".eu-west.example-retail.com";
        conn->user_agent = kAgents[rng() % 3];
        std::snprintf(conn->alpn, sizeof conn->alpn, "%s", rng() % 4 ? "h2" : "http/1.1");
        conn->read_buffer.resize(4096);
        conn->opened_s = now_s;
        conn->closes_at_s = now_s + 0.4 + static_cast<double>(rng() % 2100) / 1000.0;
        // The callback holds the strong reference: until it comes due, the connection cannot go.
        conn->idle_timer = timers_.arm(now_s + 3600.0, [conn] {
            if (conn->open) conn->close();
        });
        return conn;
    }

private:
    TimerHeap& timers_;
    int next_fd_ = 10;
};

std::size_t serve(const RewriteMap& rewrites, Connection& conn, double now_s, std::mt19937& rng) {
    const std::string path = "/shop/item-" + std::to_string(rng() % 420000) + "/" + std::to_string(rng() % 100000) + ".html";
    std::string response = "HTTP/1.1 200 OK\r\nServer: front\r\nContent-Type: text/html\r\n";
    if (const std::string* to = rewrites.find(path))
        response = "HTTP/1.1 301 Moved Permanently\r\nLocation: " + *to + "\r\n";
    response.append(1200 + rng() % 800, 'x');
    conn.read_buffer[0] = 'G';
    ++conn.requests;
    conn.bytes_out += response.size();
    conn.last_activity_s = now_s;
    return response.size();
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    std::mt19937 rng(1606);
    RewriteMap rewrites;
    rewrites.load(400000, rng);
    TimerHeap timers;
    Listener listener(timers);
    std::unordered_map<int, std::shared_ptr<Connection>> open;
    std::uint64_t accepted = 0, closed = 0, served = 0;
    // 64 ticks a second: one connection accepted per tick; open connections answer a request one tick
    // in four; those whose time is up are closed (and their timer cancelled, lazily).
    pattern::every(1.0 / 64, seconds, [&](long, double t) {
        auto conn = listener.accept_connection(t, rng);
        open.emplace(conn->fd, std::move(conn));
        ++accepted;
        for (auto it = open.begin(); it != open.end();) {
            Connection& c = *it->second;
            if (t >= c.closes_at_s) {
                c.close();
                timers.cancel(c.idle_timer);
                it = open.erase(it);
                ++closed;
                continue;
            }
            if (rng() % 4 == 0) served += serve(rewrites, c, t, rng);
            ++it;
        }
        timers.run_due(t);
    });
    std::fprintf(stderr, "%llu connections accepted, %llu closed, %zu timers pending, %llu bytes served\n",
                 static_cast<unsigned long long>(accepted), static_cast<unsigned long long>(closed), timers.pending(),
                 static_cast<unsigned long long>(served));
    return 0;
}
