// A slow reachable leak on four threads (written in session 24, batch 8, as a held-out check, never tuned
// on): a broker's FIX order gateway in front of one exchange. At start its market-data thread loads the
// exchange's instrument master and book snapshot (20,000 instruments: symbol, description, 2 x 20 depth
// levels, trading calendar) and then applies incremental updates in place. Two FIX session threads (one
// per client) each read 1,000 NewOrderSingle messages a second: the raw message (~250 B) is parsed into
// an Order, risk-checked against its account, registered in the gateway's ClOrdID index (so that a
// client's cancel or replace finds the exchange's order) and handed to the venue thread, which sends it
// and applies the exchange's execution reports: an IOC order fills at once (12% of the orders) or expires
// unfilled (18%); a day order rests 0.2-1.2 s and then fills (49%) or is cancelled (21%). The fill and
// cancel handlers erase the order's index entry; the expiry handler, added later for IOC support, frees
// the order but never erases it, and ClOrdIDs are never reused.
// Truth: a slow leak, reachable, linear from the start of trading: ~365 expired IOC orders a second, each
// leaving its index entry (the hash node with the ClOrdID, the exchange's order id and the account, and
// the ClOrdID's copy, allocated in ClOrdIdIndex::add on the session threads; the order id's heap string;
// its share of the index's bucket array): ~190 B, ~70 kB/s, ~1.1 MB over a 16 s run, ~1.6% of a ~68 MB
// process. The instrument master, loaded in the first ~0.2 s, is the warm-up (~56 MB, ~58 MB with the
// resting orders, which reach their ~1,000 within 1.2 s of trading and then stay). Orders are allocated
// on the session threads and freed on the venue thread, so glibc's per-thread arenas take the churn (and
// the leak).
// Measured (session 24, tests/accuracy/measure.py): tracked, live heap 55.93 MB at 0.2 s, 58.31 at 1 s,
// 58.53 at 3 s, 59.42 at 16 s: +68 kB/s over 3-13 s (+68 over 3-9 s, +72 over 9-16 s), RSS 87.6 -> 89.2
// MB over 3-16 s (+160 kB/s over 3-13 s, +86 over 9-16 s); --plain, RSS 66.9 MB at 1 s, 67.1 at 3 s,
// 68.1 at 16 s (+82 kB/s over 3-13 s, +81 over 3-9 s, +83 over 9-16 s); 31,966 orders accepted (34
// rejected by risk), 18,783 filled, 6,355 cancelled, 5,844 expired, 984 resting and 6,828 ClOrdIDs
// indexed at exit.
// Usage: fix_gateway_clordid_index_slow_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr std::uint64_t kInstruments = 20000;
constexpr std::uint64_t kAccounts = 3000;
constexpr int kDepth = 20;

struct Level {
    std::int64_t price_ticks;
    std::int64_t quantity;
    std::int32_t orders;
};

struct Instrument {
    std::string symbol;
    std::string description;
    std::vector<Level> bids, asks;
    std::vector<std::string> calendar;  // trading sessions, as the exchange publishes them
    double tick_size;
};

// The instrument master and the books, owned by the market-data thread (the gateway reads the symbols
// only, which never change after the load).
class MarketData {
public:
    void load() {
        instruments_.reserve(kInstruments);
        for (std::uint64_t i = 0; i < kInstruments; ++i) {
            const std::uint64_t h = mix(i + 0x4d44);
            Instrument in;
            in.symbol = "XEUR:" + std::to_string(100000 + i) + (h % 3 ? ".FUT" : ".OPT") + std::to_string(h % 97);
            in.description = "Euro Stoxx 50 index derivative, series " + std::to_string(h % 4000) +
                             ", expiry 2027-" + std::to_string(1 + h % 12) + ", multiplier 10, cash settled, "
                             "trading unit " + std::to_string(h % 50);
            in.bids.resize(kDepth);
            in.asks.resize(kDepth);
            const auto mid = static_cast<std::int64_t>(h % 50000);
            for (int d = 0; d < kDepth; ++d) {
                in.bids[d] = {mid - d, 1 + static_cast<std::int64_t>(mix(h + d) % 900), 1 + d};
                in.asks[d] = {mid + 1 + d, 1 + static_cast<std::int64_t>(mix(h - d) % 900), 1 + d};
            }
            for (int day = 0; day < 10; ++day)
                in.calendar.push_back("2026-12-" + std::to_string(7 + day) + "T07:30:00Z/2026-12-" +
                                      std::to_string(7 + day) + "T21:00:00Z;pre-open 07:00;closing auction");
            in.tick_size = h % 2 ? 0.5 : 0.1;
            instruments_.push_back(std::move(in));
        }
    }

    // One incremental update: a level's quantity and order count, rewritten in place.
    void apply_update(std::uint64_t h) {
        Instrument& in = instruments_[h % kInstruments];
        Level& level = (h & 1 ? in.bids : in.asks)[(h >> 8) % kDepth];
        level.quantity = 1 + static_cast<std::int64_t>((h >> 16) % 900);
        level.orders = 1 + static_cast<std::int32_t>((h >> 32) % 40);
        ++updates_;
    }

    const std::string& symbol(std::uint64_t i) const { return instruments_[i % kInstruments].symbol; }
    std::uint64_t updates() const { return updates_; }

private:
    std::vector<Instrument> instruments_;
    std::uint64_t updates_ = 0;
};

enum class TimeInForce { kDay, kImmediateOrCancel };
enum class Fate { kFill, kCancel, kExpire };

struct Order {
    std::string cl_ord_id;
    std::string account;
    std::string symbol;
    std::string raw;  // the message as received, kept for the drop copy
    std::int64_t quantity;
    std::int64_t price_ticks;
    TimeInForce tif;
    Fate fate;          // what the exchange will do with it
    double resting_s;   // how long a day order rests before its fate
    int session;
};

// ClOrdID -> the exchange's order: what a cancel or replace from the client is matched against.
class ClOrdIdIndex {
public:
    struct Ref {
        std::string exchange_order_id;
        std::string account;
        int session;
    };

    __attribute__((noinline)) void add(const std::string& cl_ord_id, std::string exchange_order_id,
                                       const std::string& account, int session) {
        std::lock_guard<std::mutex> lock(mutex_);
        index_.emplace(cl_ord_id, Ref{std::move(exchange_order_id), account, session});
    }

    void erase(const std::string& cl_ord_id) {
        std::lock_guard<std::mutex> lock(mutex_);
        index_.erase(cl_ord_id);
    }

    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return index_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, Ref> index_;
};

// The risk limits of the clients' accounts, loaded at start and only read.
class RiskLimits {
public:
    RiskLimits() {
        for (std::uint64_t a = 0; a < kAccounts; ++a) max_notional_.push_back(8000000 + mix(a) % 12000000);
    }
    bool allows(std::uint64_t account, std::int64_t notional) const {
        return notional <= static_cast<std::int64_t>(max_notional_[account % kAccounts]);
    }

private:
    std::vector<std::uint64_t> max_notional_;
};

// The venue thread's inbox: orders the session threads have accepted.
class VenueQueue {
public:
    void push(std::unique_ptr<Order> order) {
        std::lock_guard<std::mutex> lock(mutex_);
        orders_.push_back(std::move(order));
    }
    std::deque<std::unique_ptr<Order>> take_all() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::deque<std::unique_ptr<Order>> taken;
        taken.swap(orders_);
        return taken;
    }

private:
    std::mutex mutex_;
    std::deque<std::unique_ptr<Order>> orders_;
};

class FixSession {
public:
    FixSession(int index, const MarketData& md, const RiskLimits& risk, ClOrdIdIndex& ids, VenueQueue& venue)
        : index_(index), md_(md), risk_(risk), ids_(ids), venue_(venue) {}

    // One tick (10 ms): 10 NewOrderSingle messages.
    void tick(long i) {
        for (int k = 0; k < 10; ++k) on_message(receive(static_cast<std::uint64_t>(i) * 10 + k));
    }

    std::uint64_t accepted() const { return accepted_; }
    std::uint64_t rejected() const { return rejected_; }

private:
    // The wire: tag=value pairs, SOH-separated.
    std::string receive(std::uint64_t n) {
        const std::uint64_t h = mix(n * 4 + static_cast<std::uint64_t>(index_));
        std::string m = "8=FIX.4.4\x01" "9=212\x01" "35=D\x01" "49=CLIENT" + std::to_string(index_) +
                        "\x01" "56=BRKGW\x01" "34=" + std::to_string(n + 1) + "\x01" "52=20261206-10:41:07.";
        m += std::to_string(n % 1000) + "\x01" "11=C" + std::to_string(index_) + "-" + std::to_string(n) + "-" +
             std::to_string(h % 1000000000);
        m += "\x01" "1=ACC-" + std::to_string(h % kAccounts) + "\x01" "55=" + std::to_string(h % kInstruments) +
             "\x01" "54=" + (h & 1 ? "1" : "2") + "\x01" "38=" + std::to_string(1 + h % 200) + "\x01" "44=" +
             std::to_string(h % 50000) + "\x01" "59=" + ((h >> 8) % 100 < 30 ? "3" : "0") +
             "\x01" "60=20261206-10:41:07\x01" "10=" + std::to_string(h % 256) + "\x01";
        return m;
    }

    static std::string field(const std::string& m, const char* tag) {
        const std::size_t at = m.find(tag);
        if (at == std::string::npos) return {};
        const std::size_t from = at + std::char_traits<char>::length(tag);
        return m.substr(from, m.find('\x01', from) - from);
    }

    void on_message(std::string raw) {
        auto order = std::make_unique<Order>();
        order->cl_ord_id = field(raw, "\x01" "11=");
        order->account = field(raw, "\x01" "1=");
        order->symbol = md_.symbol(std::strtoull(field(raw, "\x01" "55=").c_str(), nullptr, 10));
        order->quantity = std::strtoll(field(raw, "\x01" "38=").c_str(), nullptr, 10);
        order->price_ticks = std::strtoll(field(raw, "\x01" "44=").c_str(), nullptr, 10);
        order->tif = field(raw, "\x01" "59=") == "3" ? TimeInForce::kImmediateOrCancel : TimeInForce::kDay;
        order->session = index_;
        // The exchange's behaviour, drawn from the message: out of every 100 orders, 12 IOC fills, 18 IOC
        // expiries, 49 day fills, 21 day cancels.
        const std::uint64_t h = mix(std::hash<std::string>{}(order->cl_ord_id));
        const std::uint64_t roll = (h >> 8) % 100;
        if (order->tif == TimeInForce::kImmediateOrCancel) {
            order->fate = roll < 40 ? Fate::kFill : Fate::kExpire;
        } else {
            order->fate = roll < 70 ? Fate::kFill : Fate::kCancel;
        }
        order->resting_s = 0.2 + static_cast<double>(h % 1000) / 1000.0;
        const std::uint64_t account = std::strtoull(order->account.c_str() + 4, nullptr, 10);
        if (!risk_.allows(account, order->quantity * order->price_ticks)) {
            ++rejected_;
            return;
        }
        order->raw = std::move(raw);
        ids_.add(order->cl_ord_id, "XEUR" + std::to_string(20261206000000000ull + h % 1000000000000ull),
                 order->account, index_);
        ++accepted_;
        venue_.push(std::move(order));
    }

    int index_;
    const MarketData& md_;
    const RiskLimits& risk_;
    ClOrdIdIndex& ids_;
    VenueQueue& venue_;
    std::uint64_t accepted_ = 0, rejected_ = 0;
};

// Sends the accepted orders to the exchange and applies its execution reports.
class Venue {
public:
    Venue(ClOrdIdIndex& ids, VenueQueue& inbox) : ids_(ids), inbox_(inbox) {}

    // One tick (5 ms): the new orders go out; the day orders whose time has come fill or are cancelled.
    void tick(double t) {
        for (auto& order : inbox_.take_all()) {
            if (order->tif == TimeInForce::kImmediateOrCancel) {
                if (order->fate == Fate::kFill) on_filled(std::move(order));
                else on_expired(std::move(order));
            } else {
                const double due = t + order->resting_s;
                resting_.push({due, order.release()});
            }
        }
        while (!resting_.empty() && resting_.top().due <= t) {
            std::unique_ptr<Order> order(resting_.top().order);
            resting_.pop();
            if (order->fate == Fate::kFill) on_filled(std::move(order));
            else on_cancelled(std::move(order));
        }
    }

    std::size_t resting() const { return resting_.size(); }
    std::uint64_t filled() const { return filled_; }
    std::uint64_t cancelled() const { return cancelled_; }
    std::uint64_t expired() const { return expired_; }

private:
    struct Resting {
        double due;
        Order* order;
        bool operator<(const Resting& other) const { return due > other.due; }
    };

    void on_filled(std::unique_ptr<Order> order) {
        drop_copy_bytes_ += order->raw.size();
        ids_.erase(order->cl_ord_id);
        ++filled_;
    }

    void on_cancelled(std::unique_ptr<Order> order) {
        ids_.erase(order->cl_ord_id);
        ++cancelled_;
    }

    // ExecType=C (expired): an IOC order the book could not fill. The bug: its index entry stays.
    void on_expired(std::unique_ptr<Order> order) {
        drop_copy_bytes_ += order->raw.size();
        ++expired_;
    }

    ClOrdIdIndex& ids_;
    VenueQueue& inbox_;
    std::priority_queue<Resting> resting_;
    std::uint64_t filled_ = 0, cancelled_ = 0, expired_ = 0, drop_copy_bytes_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    MarketData md;
    md.load();
    RiskLimits risk;
    ClOrdIdIndex ids;
    VenueQueue inbox;
    Venue venue(ids, inbox);
    std::vector<std::unique_ptr<FixSession>> sessions;
    for (int s = 0; s < 2; ++s) sessions.push_back(std::make_unique<FixSession>(s, md, risk, ids, inbox));

    std::vector<std::thread> threads;
    for (auto& session : sessions)
        threads.emplace_back([&seconds, s = session.get()] {
            pattern::every(0.01, seconds, [s](long i, double) { s->tick(i); });
        });
    threads.emplace_back([&] { pattern::every(0.005, seconds, [&](long, double t) { venue.tick(t); }); });
    // The market-data handler: 400 incremental updates every 10 ms, applied in place.
    pattern::every(0.01, seconds, [&](long i, double) {
        for (std::uint64_t k = 0; k < 400; ++k) md.apply_update(mix(static_cast<std::uint64_t>(i) * 400 + k));
    });
    for (auto& thread : threads) thread.join();
    std::uint64_t accepted = 0, rejected = 0;
    for (auto& session : sessions) {
        accepted += session->accepted();
        rejected += session->rejected();
    }
    std::fprintf(stderr,
                 "%llu orders accepted, %llu rejected: %llu filled, %llu cancelled, %llu expired, %zu resting; "
                 "%zu ClOrdIDs indexed; %llu book updates\n",
                 (unsigned long long)accepted, (unsigned long long)rejected, (unsigned long long)venue.filled(),
                 (unsigned long long)venue.cancelled(), (unsigned long long)venue.expired(), venue.resting(),
                 ids.size(), (unsigned long long)md.updates());
    std::_Exit(0);
}
