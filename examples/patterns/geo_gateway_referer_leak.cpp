// A slow, still-reachable leak on a big base (written in session 13 as a held-out check, never tuned
// on): an ad-serving gateway loads a ~40 MB geolocation table (240,000 address ranges, each with a
// ~120-character place label) at start, then serves 400 requests a second on two worker threads. Per
// client it keeps counters and the "recent referers" shown on the abuse desk. The referer list is
// meant to be short: a sweeper trims it once a second, but only for clients idle for 30 s, and the
// gateway's clients are 240 carrier NAT addresses that are never idle, so every request's referer
// (60-90 characters, varying per request) stays for good in a std::vector<std::string> of an
// std::unordered_map entry.
// Truth: a leak, linear, from the start: 400 referers a second, each a string of 61-91 B asked of
// malloc (76 B on average) plus its 32-byte vector slot (capacity doublings spread over 240 vectors:
// ~1.4 slots held per element, ~45 B): ~48 kB/s by construction, ~0.8 MB over a 16 s run on a ~54 MB
// process (1.5%). All of it is allocated in ClientDirectory::touch.
// Measured (tests/accuracy/measure.py, session 13): live heap +52 kB/s over 3-13 s and 50 kB/s over
// 1-15 s (37.6 -> 38.2 MB), RSS +83 kB/s (53.7 -> 54.8 MB); the program keeps 6,400 referers at the end.
// Usage: geo_gateway_referer_leak SECONDS
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct GeoRange {
    std::uint32_t first = 0;
    std::uint32_t last = 0;
    std::string place;
};

class GeoTable {
public:
    void load(int ranges) {
        ranges_.reserve(static_cast<std::size_t>(ranges));
        for (int k = 0; k < ranges; ++k) {
            char label[160];
            const int n = std::snprintf(label, sizeof label,
                                        "country=%02d;region=%04d;city=%06d;isp=carrier-%03d;asn=AS%05d;tz=UTC%+03d;"
                                        "lat=%+08.4f;lon=%+09.4f;accuracy_km=%03d",
                                        k % 97, k % 3011, k, k % 211, 64500 + k % 997, k % 25 - 12,
                                        (k % 17999) / 100.0 - 90, (k % 35999) / 100.0 - 180, 5 + k % 200);
            ranges_.push_back({static_cast<std::uint32_t>(k) * 16384u, static_cast<std::uint32_t>(k) * 16384u + 16383u,
                               std::string(label, static_cast<std::size_t>(n))});
        }
    }
    const std::string* find(std::uint32_t address) const {
        auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                                   [](std::uint32_t a, const GeoRange& r) { return a < r.first; });
        if (it == ranges_.begin()) return nullptr;
        --it;
        return address <= it->last ? &it->place : nullptr;
    }

private:
    std::vector<GeoRange> ranges_;
};

struct Client {
    std::uint64_t requests = 0;
    double last_seen_s = 0;
    std::vector<std::string> recent_referers;
};

class ClientDirectory {
public:
    __attribute__((noinline)) void touch(std::uint32_t client, const std::string& referer, double now_s) {
        std::lock_guard lock(mutex_);
        Client& c = clients_[client];
        ++c.requests;
        c.last_seen_s = now_s;
        c.recent_referers.push_back(referer);
    }
    // The abuse desk needs only the last few referers of a client that went quiet; busy clients are
    // "still being looked at" and skipped, which is where the lists grow without end.
    void sweep(double now_s) {
        std::lock_guard lock(mutex_);
        for (auto& [address, c] : clients_)
            if (now_s - c.last_seen_s > kIdleS && c.recent_referers.size() > kKeptReferers)
                c.recent_referers.erase(c.recent_referers.begin(), c.recent_referers.end() - kKeptReferers);
    }
    std::size_t referers() {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (auto& [address, c] : clients_) n += c.recent_referers.size();
        return n;
    }

private:
    static constexpr double kIdleS = 30;
    static constexpr std::size_t kKeptReferers = 8;
    std::mutex mutex_;
    std::unordered_map<std::uint32_t, Client> clients_;
};

struct Request {
    std::uint32_t client = 0;
    std::uint32_t target = 0;
    std::string referer;
    double at_s = 0;
};

std::size_t serve(const GeoTable& geo, ClientDirectory& directory, const Request& r) {
    const std::string* place = geo.find(r.target);
    std::string response = "{\"ad\":\"slot-" + std::to_string(r.target % 4096) + "\",\"geo\":\"" +
                           (place ? place->substr(0, 40) : std::string("unknown")) + "\"}";
    directory.touch(r.client, r.referer, r.at_s);
    return response.size();
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    GeoTable geo;
    geo.load(240000);
    ClientDirectory directory;
    pattern::WorkQueue<Request> queue;
    std::vector<std::thread> workers;
    std::size_t served[2] = {0, 0};
    for (int w = 0; w < 2; ++w)
        workers.emplace_back([&, w] {
            Request r;
            while (queue.pop(r)) served[w] += serve(geo, directory, r);
        });
    std::uint64_t n = 0;
    // 50 ticks a second, 8 requests each: 400 a second from 240 NAT addresses.
    pattern::every(0.02, seconds, [&](long i, double t) {
        for (int k = 0; k < 8; ++k, ++n) {
            Request r;
            r.client = 0x64400000u + static_cast<std::uint32_t>((n * 7919) % 240);
            r.target = static_cast<std::uint32_t>((n * 2654435761u) % (240000u * 16384u));
            r.at_s = t;
            // 60-90 characters: the article path and a campaign tag differ per request.
            const int extra = static_cast<int>((n * 37) % 31);
            r.referer = "https://news.example.com/s/" + std::to_string(100000 + n % 900000) + "/a-" +
                        std::string(static_cast<std::size_t>(extra), 'q') + "?utm_source=feed&utm_id=" +
                        std::to_string(10000000 + n);
            r.referer.resize(60 + static_cast<std::size_t>(extra), 'z');
            queue.push(std::move(r));
        }
        if (i % 50 == 49) directory.sweep(t);
    });
    queue.close();
    for (auto& t : workers) t.join();
    std::fprintf(stderr, "%zu referers kept, %zu bytes served\n", directory.referers(), served[0] + served[1]);
    return 0;
}
