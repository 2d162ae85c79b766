// A leak that starts at 45% of the run, after a consumer-group rebalance, in a multi-threaded service
// under steady churn (written in session 34, batch 13, as a held-out check, never tuned on): a stream
// processor enriching a payments topic's events (four partitions, a consumer thread each, 600 events a
// second per partition) with a merchant table loaded at start, and writing them to a sink. Delivery is
// at-least-once: each event's record (its key and raw payload, kept to be replayed to the dead-letter
// topic if the sink write fails) waits in its partition's in-flight table until the sink thread acks the
// write, ~60-120 ms later. The table is keyed by (group generation, partition, offset): the consumer
// threads stamp records with the generation captured in their Assignment when their partition was
// assigned, the ack handler erases with the group's current generation. At 45% of the run (7.2 s of 16 s)
// a second instance of the processor joins the group and leaves again at once (a crash-looping pod): the
// cooperative-sticky protocol bumps the generation twice but leaves every partition where it was, so
// on_partitions_assigned is not called for them and the threads' Assignments keep the old generation.
// From then on every ack misses its record.
// Truth: a leak, reachable, linear from 45% of the run, flat before it: 2,400 records a second stay, each
// the table's node, the record's key (~30 B) and payload (~300 B), allocated in InflightTable::hold,
// ~350 B as asked of malloc: ~0.84 MB/s from the onset, ~7.4 MB by the end of a 16 s run, ~39% of the
// process by then (RSS ~12.5 MB before the onset, ~20.6 MB at the end). Before the onset the tables hold the
// ~220 records awaiting their ack (~0.1 MB); the merchant table (~7.8 MB) is loaded in the first ~0.1 s;
// decoded events, enriched JSON and sink batches come and go every few ms across the six threads.
// Measured (session 34, tests/accuracy/measure.py): tracked, live heap 7.93 MB from 0.2 s to 7 s (-0.7 kB/s
// over 1-7 s), 8.57 at 8 s, 10.24 at 10 s, 12.75 at 13 s, 15.34 at 16 s (+835 kB/s over 8-16 s, +837 over
// 13-16 s), RSS 18.55 MB to 7 s, 28.6 at 16 s (+1.11 MB/s over 8-16 s); --plain, RSS 12.51 MB from 1 s to 7 s,
// 13.20 at 8 s, 17.81 at 13 s, 20.66 at 16 s (+1.3 kB/s over 1-7 s, +921 kB/s over 8-16 s, +942 over 13-16 s;
// +563 kB/s over 3-13 s, across the onset); 38,400 events consumed, 16,993 acks matched their record, 21,095
// missed, 21,407 records held at exit.
// Usage: stream_consumer_rebalance_generation_late_leak SECONDS
#include <atomic>
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

constexpr int kPartitions = 4;
constexpr int kEventsPerTick = 6;  // per partition, every 10 ms: 600 a second each, 2,400 in all
constexpr std::uint32_t kMerchants = 24000;

struct Merchant {
    std::string name, category, country, acquirer;
    std::vector<std::string> risk_tags;
    double fee_rate;
};

std::vector<Merchant> g_merchants;

void load_merchants() {
    static const char* const categories[] = {"5411 grocery", "5812 restaurants", "5999 retail", "4111 transit",
                                             "7011 lodging", "5732 electronics", "5942 books"};
    g_merchants.resize(kMerchants);
    for (std::uint32_t m = 0; m < kMerchants; ++m) {
        const std::uint64_t h = mix(m ^ 0x3e4c);
        Merchant& x = g_merchants[m];
        char name[64];
        std::snprintf(name, sizeof name, "Merchant %06u GmbH & Co. KG Filiale %03u", m, static_cast<unsigned>(h % 997));
        x.name = name;
        x.category = categories[h % 7];
        x.country = (h >> 8) % 3 ? "DE" : "AT";
        x.acquirer = "acq-" + std::to_string((h >> 12) % 40) + "-settlement-eu-central";
        for (std::uint64_t t = 0; t < 1 + (h >> 20) % 3; ++t) x.risk_tags.push_back("risk-tag-" + std::to_string(mix(h + t) % 500) + "-v2");
        x.fee_rate = 0.002 + static_cast<double>((h >> 30) % 100) / 10000.0;
    }
}

// The group coordinator's view: the generation the group is in.
class ConsumerGroup {
public:
    int generation() const { return generation_.load(); }
    // Another instance joins, and leaves: two rebalances, every partition stays where it was (cooperative-sticky:
    // on_partitions_assigned is called for newly assigned partitions only, so for none here).
    void member_joined_and_left() { generation_ += 2; }

private:
    std::atomic<int> generation_{41};
};

ConsumerGroup g_group;

struct Record {
    std::string key, payload;
    double consumed_s;
};

// A partition's records awaiting the sink's ack, keyed by (generation, offset).
class InflightTable {
public:
    static std::uint64_t key(int generation, std::int64_t offset) {
        return (static_cast<std::uint64_t>(generation) << 40) ^ static_cast<std::uint64_t>(offset);
    }
    __attribute__((noinline)) void hold(int generation, std::int64_t offset, const std::string& key_text,
                                        const std::string& payload, double t) {
        std::lock_guard lock(mutex_);
        records_.emplace(key(generation, offset), Record{key_text, payload, t});
    }
    bool ack(int generation, std::int64_t offset) {
        std::lock_guard lock(mutex_);
        return records_.erase(key(generation, offset)) > 0;
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return records_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, Record> records_;
};

InflightTable g_inflight[kPartitions];

struct SinkWrite {
    int partition;
    std::int64_t offset;
    std::string document;
    double due_s;  // when the sink's ack for it comes back
};

// The sink: enriched documents are batched and written; each write's ack comes back 60-120 ms later.
class Sink {
public:
    void submit(SinkWrite w) {
        std::lock_guard lock(mutex_);
        queue_.push_back(std::move(w));
    }
    void tick(double t) {
        std::deque<SinkWrite> acked;
        {
            std::lock_guard lock(mutex_);
            while (!queue_.empty() && queue_.front().due_s <= t) {
                acked.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        const int generation = g_group.generation();  // the ack handler keys with the group's generation
        for (const SinkWrite& w : acked) {
            bytes_ += w.document.size();
            if (g_inflight[w.partition].ack(generation, w.offset)) ++acked_;
            else ++missed_;
        }
    }
    long acked_ = 0, missed_ = 0;
    std::size_t bytes_ = 0;

private:
    std::mutex mutex_;
    std::deque<SinkWrite> queue_;
};

Sink g_sink;

class PartitionConsumer {
public:
    explicit PartitionConsumer(int partition) : partition_(partition), assigned_generation_(g_group.generation()) {}

    void tick(long i, double t) {
        for (int k = 0; k < kEventsPerTick; ++k) consume(next_offset_++, t, i);
    }
    long consumed_ = 0;

private:
    std::string fetch(std::int64_t offset, std::string& key_text) const {
        const std::uint64_t h = mix(static_cast<std::uint64_t>(offset) * kPartitions + static_cast<std::uint64_t>(partition_));
        char key[48];
        std::snprintf(key, sizeof key, "pay_%016llx_%u", static_cast<unsigned long long>(h), static_cast<unsigned>(h >> 60));
        key_text = key;
        char payload[512];
        const int n = std::snprintf(payload, sizeof payload,
                                    "{\"id\":\"%s\",\"merchant\":%u,\"amount\":%llu,\"currency\":\"EUR\",\"card\":{"
                                    "\"bin\":\"%06llu\",\"last4\":\"%04llu\",\"scheme\":\"%s\"},\"auth\":{\"code\":\"%06llu\","
                                    "\"eci\":\"05\",\"3ds\":\"%s\"},\"ts\":\"2026-12-14T09:%02llu:%02llu.%03lluZ\"}",
                                    key, static_cast<unsigned>(h % kMerchants), static_cast<unsigned long long>(h >> 40 & 0xfffff),
                                    static_cast<unsigned long long>(h % 1000000), static_cast<unsigned long long>(h >> 24 & 8191) % 10000,
                                    h & 1 ? "visa" : "mastercard", static_cast<unsigned long long>(h >> 8) % 1000000,
                                    h & 2 ? "2.2.0" : "frictionless", static_cast<unsigned long long>(h >> 14 & 63) % 60,
                                    static_cast<unsigned long long>(h >> 20 & 63) % 60, static_cast<unsigned long long>(h >> 30) % 1000);
        return std::string(payload, static_cast<std::size_t>(n));
    }

    void consume(std::int64_t offset, double t, long i) {
        std::string key_text;
        const std::string payload = fetch(offset, key_text);
        g_inflight[partition_].hold(assigned_generation_, offset, key_text, payload, t);
        // Decode and enrich.
        const std::size_t at = payload.find("\"merchant\":");
        const Merchant& m = g_merchants[std::strtoul(payload.c_str() + at + 11, nullptr, 10) % kMerchants];
        std::string document = payload.substr(0, payload.size() - 1);
        document += ",\"merchant_name\":\"" + m.name + "\",\"mcc\":\"" + m.category + "\",\"acquirer\":\"" + m.acquirer +
                    "\",\"risk\":[";
        for (std::size_t r = 0; r < m.risk_tags.size(); ++r) document += (r ? ",\"" : "\"") + m.risk_tags[r] + "\"";
        document += "]}";
        const double ack_delay = 0.06 + static_cast<double>(mix(static_cast<std::uint64_t>(offset) ^ 0xac) % 60) / 1000.0;
        g_sink.submit(SinkWrite{partition_, offset, std::move(document), t + ack_delay});
        ++consumed_;
        (void)i;
    }

    int partition_;
    int assigned_generation_;  // captured at assignment; refreshed only by on_partitions_assigned
    std::int64_t next_offset_ = 1000000;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    const double rebalance_at = 0.45 * seconds;
    load_merchants();
    std::vector<std::unique_ptr<PartitionConsumer>> consumers;
    for (int p = 0; p < kPartitions; ++p) consumers.push_back(std::make_unique<PartitionConsumer>(p));
    std::vector<std::thread> threads;
    for (int p = 0; p < kPartitions; ++p)
        threads.emplace_back([&, p] { pattern::every(0.01, seconds, [&](long i, double t) { consumers[p]->tick(i, t); }); });
    std::thread sink([&] { pattern::every(0.02, seconds, [&](long, double t) { g_sink.tick(t); }); });
    bool rebalanced = false;
    // The coordinator's heartbeat loop.
    pattern::every(0.1, seconds, [&](long, double t) {
        if (!rebalanced && t >= rebalance_at) {
            g_group.member_joined_and_left();
            rebalanced = true;
        }
    });
    for (auto& thread : threads) thread.join();
    sink.join();
    long consumed = 0;
    std::size_t held = 0;
    for (int p = 0; p < kPartitions; ++p) consumed += consumers[p]->consumed_, held += g_inflight[p].size();
    std::fprintf(stderr,
                 "%zu merchants; %ld events consumed, %ld acks matched their record, %ld missed (generation %d); "
                 "%zu records held in flight at exit; %zu MB written\n",
                 g_merchants.size(), consumed, g_sink.acked_, g_sink.missed_, g_group.generation(), held, g_sink.bytes_ >> 20);
    std::_Exit(0);
}
