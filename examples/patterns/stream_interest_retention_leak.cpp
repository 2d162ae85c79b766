// A still-reachable leak in a two-thread C++ service with std containers (written in session 16 as a
// held-out check, never tuned on): a message broker's stream with interest-based retention. Its
// network thread takes produce requests, 240 messages a second over 6 partitions, and appends each
// to its partition (a std::map from offset to the stored message: key, payload of 120-900 B, headers
// in a std::vector of string pairs). Its delivery thread pushes new messages to the consumer groups
// (each delivery a frame string, freed once written) and takes their acks; every 250 ms it trims each
// partition below the lowest acked offset over the groups registered on the stream: a message is
// kept while some group still has an interest in it. The groups are restored from the stream's
// metadata at start: "billing" and "search-indexer" have consumers and ack within ~100 ms, but
// "fraud-replay" was scaled to zero last week and nobody deleted the group: its acked offsets stay at
// 0, so nothing is ever trimmed.
// Truth: a leak, linear, from the start: 240 messages a second kept, each a std::map node (136 B
// asked of malloc: the offset, the key and payload std::strings, the headers vector, a timestamp),
// its key's buffer (24 B), its payload (~510 B on average), its headers (two string pairs reserved:
// 128 B) with the two longer values (31 + 56 B): ~886 B asked in 6 blocks, ~213 kB/s (~235 kB/s of
// malloc chunks), ~3.4 MB over a 16 s run on a process of ~3.5 MB at start (the leak is most of it
// by the end). Beside it the delivery frames churn on the delivery thread's arena. The messages are
// allocated in Partition::append.
// Measured (session 16, glibc mallinfo2 in-use bytes and /proc VmRSS sampled every 100 ms by a
// scratch preload shim, no tracker): heap 0.36 -> 3.87 MB over 1-16 s, +234.7 kB/s (+235.5 over 1-8
// s, +233.7 over 8-16 s); RSS 3.53 -> 7.04 MB, +234.8 kB/s; 3,840 messages published, 3,840 stored,
// 0 trimmed.
// Usage: stream_interest_retention_leak SECONDS
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pacing.hpp"

namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct StoredMessage {
    std::string key;
    std::string payload;
    Headers headers;
    double published_s = 0;
};

class Partition {
public:
    __attribute__((noinline)) std::uint64_t append(std::string_view key, std::string_view payload,
                                                   std::string_view trace_id, double now_s) {
        const std::uint64_t offset = next_offset_++;
        StoredMessage& m = messages_[offset];
        m.key.assign(key);
        m.payload.assign(payload);
        m.headers.reserve(2);
        m.headers.emplace_back("content-type", "application/vnd.orders.v3+json");
        m.headers.emplace_back("traceparent", std::string(trace_id));
        m.published_s = now_s;
        return offset;
    }
    /// Drops the messages below `offset` (every group has acked them).
    std::size_t trim_below(std::uint64_t offset) {
        std::size_t dropped = 0;
        while (!messages_.empty() && messages_.begin()->first < offset) {
            messages_.erase(messages_.begin());
            ++dropped;
        }
        return dropped;
    }
    /// Messages from `offset` on, at most `limit`, as delivery frames.
    std::vector<std::string> frames_from(std::uint64_t offset, std::size_t limit) const {
        std::vector<std::string> frames;
        for (auto it = messages_.lower_bound(offset); it != messages_.end() && frames.size() < limit; ++it) {
            std::string frame = "MSG " + std::to_string(it->first) + " " + it->second.key + "\r\n";
            for (const auto& [name, value] : it->second.headers) frame += name + ": " + value + "\r\n";
            frame += it->second.payload;
            frames.push_back(std::move(frame));
        }
        return frames;
    }
    std::uint64_t end_offset() const { return next_offset_; }
    std::size_t size() const { return messages_.size(); }

private:
    std::map<std::uint64_t, StoredMessage> messages_;
    std::uint64_t next_offset_ = 0;
};

struct ConsumerGroup {
    bool has_consumers = false;
    std::vector<std::uint64_t> acked;      // per partition: everything below is acked
    std::vector<std::uint64_t> delivered;  // per partition: next offset to push
    std::vector<std::pair<double, std::pair<int, std::uint64_t>>> pending_acks;  // (due, (partition, up to))
};

constexpr int kPartitions = 6;

class Stream {
public:
    Stream() : partitions_(kPartitions) {
        // Restored from the stream's metadata: every group registered on it, with or without consumers.
        for (const char* name : {"billing", "search-indexer", "fraud-replay"}) {
            ConsumerGroup& g = groups_[name];
            g.has_consumers = std::string_view(name) != "fraud-replay";
            g.acked.assign(kPartitions, 0);
            g.delivered.assign(kPartitions, 0);
        }
    }

    void publish(int partition, std::string_view key, std::string_view payload, std::string_view trace_id, double now_s) {
        std::lock_guard lock(mutex_);
        partitions_[static_cast<std::size_t>(partition)].append(key, payload, trace_id, now_s);
    }

    /// One delivery round: new messages pushed to the groups with consumers, due acks applied.
    std::size_t deliver(double now_s) {
        std::lock_guard lock(mutex_);
        std::size_t bytes = 0;
        for (auto& [name, group] : groups_) {
            if (!group.has_consumers) continue;
            for (int p = 0; p < kPartitions; ++p) {
                const Partition& partition = partitions_[static_cast<std::size_t>(p)];
                for (const std::string& frame : partition.frames_from(group.delivered[static_cast<std::size_t>(p)], 64))
                    bytes += frame.size();  // written to the consumer's socket
                group.delivered[static_cast<std::size_t>(p)] = partition.end_offset();
                group.pending_acks.push_back({now_s + 0.1, {p, partition.end_offset()}});
            }
            auto due = group.pending_acks.begin();
            for (; due != group.pending_acks.end() && due->first <= now_s; ++due)
                group.acked[static_cast<std::size_t>(due->second.first)] = due->second.second;
            group.pending_acks.erase(group.pending_acks.begin(), due);
        }
        return bytes;
    }

    /// Interest retention: keep a message while any group registered on the stream has not acked it.
    std::size_t trim() {
        std::lock_guard lock(mutex_);
        std::size_t dropped = 0;
        for (int p = 0; p < kPartitions; ++p) {
            std::uint64_t floor = UINT64_MAX;
            for (const auto& [name, group] : groups_) floor = std::min(floor, group.acked[static_cast<std::size_t>(p)]);
            dropped += partitions_[static_cast<std::size_t>(p)].trim_below(floor);
        }
        return dropped;
    }

    std::size_t stored() {
        std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const Partition& p : partitions_) n += p.size();
        return n;
    }

private:
    std::mutex mutex_;
    std::vector<Partition> partitions_;
    std::unordered_map<std::string, ConsumerGroup> groups_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    Stream stream;
    std::atomic<bool> running{true};
    std::size_t delivered_bytes = 0, trimmed = 0;
    // The delivery thread: a round every 20 ms, retention every 250 ms.
    std::thread delivery([&] {
        pattern::every(0.02, seconds, [&](long i, double t) {
            delivered_bytes += stream.deliver(t);
            if (i % 12 == 11) trimmed += stream.trim();
        });
        running = false;
    });
    // The network thread (here, main): 12 produce requests per 50 ms tick, 240 messages a second.
    std::mt19937 rng(1642);
    std::string request;  // the connection's reusable receive buffer
    std::uint64_t published = 0;
    pattern::every(0.05, seconds, [&](long, double t) {
        for (int k = 0; k < 12; ++k) {
            const unsigned order = 7000000 + static_cast<unsigned>(published);
            request.assign("{\"order\":" + std::to_string(order) + ",\"customer\":" + std::to_string(rng() % 90000) +
                           ",\"lines\":[");
            const std::size_t length = 120 + rng() % 781;
            while (request.size() < length) request += "{\"sku\":\"SKU-" + std::to_string(rng() % 99999) + "\",\"qty\":1},";
            request.resize(length);
            char key[32], trace[64];
            std::snprintf(key, sizeof key, "order-%u-eu-west-1", order);
            std::snprintf(trace, sizeof trace, "00-%08x%08x%08x%08x-%08x%08x-01", unsigned(rng()), unsigned(rng()),
                          unsigned(rng()), unsigned(rng()), unsigned(rng()), unsigned(rng()));
            stream.publish(static_cast<int>(order % kPartitions), key, request, trace, t);
            ++published;
        }
    });
    delivery.join();
    std::fprintf(stderr, "%llu messages published, %zu trimmed, %zu stored, %zu bytes delivered\n",
                 static_cast<unsigned long long>(published), trimmed, stream.stored(), delivered_bytes);
    return running ? 1 : 0;
}
