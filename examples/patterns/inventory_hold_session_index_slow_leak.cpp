// A slow leak on three threads, reachable (written in session 23 as a held-out check, never tuned on):
// the inventory reservation service of a ticketing shop. At start it loads its stock table, 260,000
// SKUs (event, section and price tier: an id, a title, stock per warehouse) into memory, ~75 MB. Three
// worker threads take cart holds, 600 a second between them, each on the third of the SKUs it owns: a
// hold reserves a quantity of a SKU for a shopping session, goes into the holds table of its shard and
// is indexed by session token, so that a logout or an abandoned cart can release all of a session's
// holds at once. A hold ends in one of three ways, 0.5-3 s later: the session checks out (60%), the hold
// expires and the sweeper releases it (30%), or the customer removes it (10%). Expiry and removal drop
// the hold from both tables; checkout converts it into an order and erases it from the holds table
// only: the session's entry in the index (its token, the list of its hold references) is never pruned
// on that path, and tokens are per visit, never seen again.
// Truth: a leak, linear from the start of service, slow: ~300 checkouts a second, each leaving a
// session-index entry (its hash node, its ~33-character token and a one-element vector of hold
// references, allocated in ReservationShard::index_session, and its share of the index's bucket
// array): ~160 B, ~48 kB/s, ~0.75 MB over a 16 s run, ~1% of an ~85 MB process. The stock table, loaded
// in the first ~0.6 s, is the warm-up (~75 MB); the holds in flight reach their ~1,800 in the first 3 s
// of service and then stay.
// Measured (session 23, tests/accuracy/measure.py): tracked, live heap 74.92 MB at 0.6 s, 75.55 MB at
// 6 s, 76.04 MB at 16.2 s: +48 kB/s over 6-16 s (+53 over 6-11 s, +47 over 11-16 s), RSS 112.7 -> 113.6
// MB over 6-16 s (+68 kB/s); --plain, RSS 84.8 MB at 3 s, 85.7 MB at 16 s (+63 kB/s over 3-16 s, +61
// over 6-16 s); 4,710 orders, 1,800 holds in flight and 6,510 sessions indexed at exit.
// Usage: inventory_hold_session_index_slow_leak SECONDS
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr std::uint64_t kSkus = 260000;
constexpr int kShards = 3;

struct Sku {
    std::string title;
    std::array<std::int32_t, 8> stock;  // per warehouse
    std::int32_t held = 0;
    std::uint32_t price_cents;
};

struct Hold {
    std::uint64_t sku;
    std::string session;
    std::int32_t quantity;
    double expires_at;
    int outcome;  // 0 checkout, 1 expiry, 2 removal (what the customer will do)
    double ends_at;
};

struct HoldRef {
    std::uint64_t hold;
    std::uint64_t sku;
    std::int32_t quantity;
};

std::string sku_id(std::uint64_t n) { return "EVT" + std::to_string(100000 + n / 60) + "-S" + std::to_string(n % 60); }

// The stock table, read by every shard (each SKU's counters guarded by its shard's lock).
class StockTable {
public:
    StockTable() {
        skus_.reserve(kSkus);
        for (std::uint64_t n = 0; n < kSkus; ++n) {
            const std::uint64_t h = mix(n);
            Sku sku;
            sku.title = "Section " + std::to_string(n % 60) + ", row " + std::to_string(h % 40) + " - " +
                        std::string(30 + h % 60, static_cast<char>('a' + h % 26)) + " tier " + std::to_string(h % 5);
            for (auto& s : sku.stock) s = static_cast<std::int32_t>(mix(h + 1) % 400);
            sku.price_cents = static_cast<std::uint32_t>(1500 + h % 40000);
            skus_.emplace(sku_id(n), std::move(sku));
        }
    }
    Sku& at(std::uint64_t n) { return skus_.at(sku_id(n)); }

private:
    std::unordered_map<std::string, Sku> skus_;
};

class ReservationShard {
public:
    ReservationShard(int index, StockTable& stock) : index_(index), stock_(stock) {}

    // One tick (10 ms): new holds, then the holds whose time has come end.
    void tick(long i, double t) {
        // 2 holds a tick: 200 a second per shard.
        for (int k = 0; k < 2; ++k) place(mix(static_cast<std::uint64_t>(i) * 16 + k * kShards + index_), t);
        while (!order_.empty()) {
            auto it = holds_.find(order_.front().first);
            if (it == holds_.end()) {
                order_.pop_front();
                continue;
            }
            if (it->second.ends_at > t) break;
            end(it);
            order_.pop_front();
        }
    }

    std::size_t holds() const { return holds_.size(); }
    std::size_t indexed_sessions() const { return by_session_.size(); }
    std::uint64_t orders() const { return orders_; }

private:
    void place(std::uint64_t h, double t) {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::uint64_t sku = h % (kSkus / kShards) * kShards + index_;  // each shard owns a third of the SKUs
        const std::uint64_t id = ++next_hold_ * kShards + index_;
        Hold hold{sku, "sess_" + std::to_string(mix(h + 7)) + "_" + std::to_string(id), 1 + static_cast<int>(h % 4),
                  t + 3.0, 0, 0};
        const std::uint64_t draw = (h >> 20) % 10;
        hold.outcome = draw < 6 ? 0 : draw < 9 ? 1 : 2;
        hold.ends_at = t + (hold.outcome == 1 ? 3.0 : 0.5 + static_cast<double>((h >> 32) % 2000) / 1000.0);
        stock_.at(sku).held += hold.quantity;
        index_session(hold.session, id, sku, hold.quantity);
        order_.emplace_back(id, hold.ends_at);
        holds_.emplace(id, std::move(hold));
    }

    __attribute__((noinline)) void index_session(const std::string& session, std::uint64_t hold, std::uint64_t sku,
                                                 std::int32_t quantity) {
        by_session_[session].push_back(HoldRef{hold, sku, quantity});
    }

    void unindex_session(const std::string& session, std::uint64_t hold) {
        auto it = by_session_.find(session);
        if (it == by_session_.end()) return;
        std::erase_if(it->second, [&](const HoldRef& ref) { return ref.hold == hold; });
        if (it->second.empty()) by_session_.erase(it);
    }

    void end(std::unordered_map<std::uint64_t, Hold>::iterator it) {
        std::lock_guard<std::mutex> lock(mutex_);
        Hold& hold = it->second;
        Sku& sku = stock_.at(hold.sku);
        sku.held -= hold.quantity;
        if (hold.outcome == 0) {
            // Checkout: the hold becomes an order (the bug: its session-index entry is left behind).
            sku.stock[hold.sku % 8] -= hold.quantity;
            ++orders_;
        } else {
            unindex_session(hold.session, it->first);  // expiry (the sweeper) or removal by the customer
        }
        holds_.erase(it);
    }

    int index_;
    StockTable& stock_;
    std::mutex mutex_;
    std::uint64_t next_hold_ = 0, orders_ = 0;
    std::unordered_map<std::uint64_t, Hold> holds_;
    std::unordered_map<std::string, std::vector<HoldRef>> by_session_;
    std::deque<std::pair<std::uint64_t, double>> order_;  // holds by when they end (placed in that order per outcome)
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    StockTable stock;
    std::vector<std::unique_ptr<ReservationShard>> shards;
    for (int s = 0; s < kShards; ++s) shards.push_back(std::make_unique<ReservationShard>(s, stock));
    std::vector<std::thread> workers;
    for (int s = 0; s < kShards; ++s)
        workers.emplace_back(
            [&, s] { pattern::every(0.01, seconds, [&](long i, double t) { shards[s]->tick(i, t); }); });
    for (auto& worker : workers) worker.join();
    std::size_t holds = 0, indexed = 0;
    std::uint64_t orders = 0;
    for (auto& shard : shards) {
        holds += shard->holds();
        indexed += shard->indexed_sessions();
        orders += shard->orders();
    }
    std::fprintf(stderr, "%llu orders, %zu holds in flight, %zu sessions indexed\n",
                 static_cast<unsigned long long>(orders), holds, indexed);
    std::_Exit(0);
}
