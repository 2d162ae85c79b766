// A large reachable leak in a growing container, three threads (written in session 25, batch 9, as a
// held-out check, never tuned on): the selective forwarding unit (SFU) of a video meeting service. 24
// rooms, each with three publishers (a video stream at 90 packets a second of 900-1,200 B and an Opus
// audio stream at 50 packets a second of 100-180 B) and four browser subscribers. The network thread
// receives the RTP packets, keeps each one in its stream's history (for retransmissions on NACK) and
// queues it; the forwarding thread rewrites each packet's header into a reused send buffer for every
// subscriber (and answers the NACKs from the history); the RTCP thread reads each subscriber's receiver
// report every 0.5 s and trims every stream's history up to the highest sequence number all its
// subscribers have acknowledged. Four of the rooms are being recorded: a recording bot (an older SIP
// gateway) subscribes to them, and it sends NACKs but never a receiver report, so the lowest
// acknowledged sequence number of those rooms' streams stays at the bot's join and their histories are
// never trimmed.
// Truth: a leak, reachable, linear from the start: the twelve streams of the four recorded rooms keep
// every packet (its payload copy, allocated in RtpHistory::store, and its slot in the history's
// std::deque, grown in the same call): 3 x 4 x (90 x ~1,050 B + 50 x ~140 B) of payload, ~1.22 MB/s,
// ~1.29 MB/s with the deque's slots: ~20 MB over a 16 s run, from ~4 MB at 1 s. The other twenty
// rooms' histories hold the packets since their stalest receiver report (0-0.5 s, ~3,300 packets,
// ~2.5 MB, trimmed as fast as they grow): a small warm-up in the first half-second, then a level.
// Measured (session 25, tests/accuracy/measure.py): tracked, live heap 3.64 MB at 1 s, 6.31 at 3 s,
// 22.91 at 16 s (+1.29 MB/s over 3-13 s, +1.30 over 3-9 s, +1.29 over 9-16 s), RSS +1.40 MB/s over
// 3-13 s; --plain, RSS 7.0 MB at 1 s, 9.7 at 3 s, 26.9 at 16 s (+1.33 MB/s over 3-13 s, +1.34 over 3-9
// s, +1.32 over 9-16 s); 161,697 packets received, 673,668 sent, 616 resent; at exit 26,880 packets in
// the recorded rooms' histories, 3,301 in the others'.
// Usage: sfu_rtp_history_recorder_leak SECONDS
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr int kRooms = 24;
constexpr int kRecordedRooms = 4;  // rooms 0-3
constexpr int kPublishers = 3;
constexpr int kBrowsers = 4;

struct StoredPacket {
    std::uint32_t seq;        // extended (no wrap in a run)
    std::uint32_t timestamp;  // RTP clock
    double arrival_s;
    std::vector<std::uint8_t> payload;
};

// A stream's packets kept for retransmission, oldest first.
class RtpHistory {
public:
    __attribute__((noinline)) void store(std::uint32_t seq, std::uint32_t timestamp, double arrival_s,
                                         const std::uint8_t* payload, std::size_t n) {
        StoredPacket packet{seq, timestamp, arrival_s, std::vector<std::uint8_t>(payload, payload + n)};
        std::lock_guard<std::mutex> lock(mutex_);
        packets_.push_back(std::move(packet));
    }

    // Copies packet `seq` into `out`; false when it is no longer (or not yet) held.
    bool find(std::uint32_t seq, std::vector<std::uint8_t>& out) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (packets_.empty() || seq < packets_.front().seq || seq > packets_.back().seq) return false;
        const StoredPacket& packet = packets_[seq - packets_.front().seq];
        out.assign(packet.payload.begin(), packet.payload.end());
        return true;
    }

    // Drops the packets every subscriber has acknowledged.
    void trim_through(std::uint32_t seq) {
        std::lock_guard<std::mutex> lock(mutex_);
        while (!packets_.empty() && packets_.front().seq <= seq) packets_.pop_front();
    }

    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return packets_.size();
    }

private:
    std::mutex mutex_;
    std::deque<StoredPacket> packets_;
};

struct Stream {
    std::uint32_t ssrc;
    bool video;
    std::uint32_t next_seq = 1;
    RtpHistory history;
};

struct Subscriber {
    bool sends_receiver_reports;  // false: the recording bot
    // Highest sequence number forwarded to this subscriber, per stream of the room (what its next
    // receiver report acknowledges).
    std::vector<std::atomic<std::uint32_t>> forwarded;
    std::vector<std::uint32_t> acknowledged;
    explicit Subscriber(bool reports, std::size_t streams)
        : sends_receiver_reports(reports), forwarded(streams), acknowledged(streams, 0) {}
};

struct Room {
    std::vector<std::unique_ptr<Stream>> streams;
    std::vector<std::unique_ptr<Subscriber>> subscribers;
};

// Packets received and not yet forwarded: (room, stream index, seq).
struct Pending {
    int room, stream;
    std::uint32_t seq;
};

class ForwardQueue {
public:
    void push(const Pending& p) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.push_back(p);
    }
    void take_all(std::vector<Pending>& out) {
        std::lock_guard<std::mutex> lock(mutex_);
        out.swap(pending_);
        pending_.clear();
    }

private:
    std::mutex mutex_;
    std::vector<Pending> pending_;
};

class Sfu {
public:
    Sfu() {
        for (int r = 0; r < kRooms; ++r) {
            auto room = std::make_unique<Room>();
            for (int p = 0; p < kPublishers; ++p)
                for (int kind = 0; kind < 2; ++kind) {
                    auto stream = std::make_unique<Stream>();
                    stream->ssrc = static_cast<std::uint32_t>(mix(r * 16 + p * 2 + kind));
                    stream->video = kind == 0;
                    room->streams.push_back(std::move(stream));
                }
            for (int s = 0; s < kBrowsers; ++s)
                room->subscribers.push_back(std::make_unique<Subscriber>(true, room->streams.size()));
            if (r < kRecordedRooms)
                room->subscribers.push_back(std::make_unique<Subscriber>(false, room->streams.size()));
            rooms_.push_back(std::move(room));
        }
    }

    // The network thread, every 10 ms: each video stream sends 0.9 packets a tick on average, each
    // audio stream 0.5 (so 90 and 50 a second).
    void receive_tick(long i, double t) {
        std::uint8_t datagram[1500];
        for (int r = 0; r < kRooms; ++r) {
            Room& room = *rooms_[r];
            for (int s = 0; s < static_cast<int>(room.streams.size()); ++s) {
                Stream& stream = *room.streams[s];
                const std::uint64_t h = mix(static_cast<std::uint64_t>(i) * 1024 + r * 16 + s);
                const bool sends = stream.video ? h % 10 < 9 : h % 2 == 0;
                if (!sends) continue;
                const std::size_t n = stream.video ? 900 + (h >> 8) % 301 : 100 + (h >> 8) % 81;
                for (std::size_t at = 0; at < n; at += 8) {
                    const std::uint64_t word = mix(h + at);
                    for (std::size_t b = 0; b < 8 && at + b < n; ++b) datagram[at + b] = static_cast<std::uint8_t>(word >> (8 * b));
                }
                const std::uint32_t seq = stream.next_seq++;
                stream.history.store(seq, static_cast<std::uint32_t>(t * (stream.video ? 90000 : 48000)), t, datagram, n);
                queue_.push({r, s, seq});
                ++received_;
            }
        }
    }

    // The forwarding thread, every 5 ms: every queued packet to every subscriber of its room, through
    // one reused send buffer; 1 packet in 200 is NACKed by one subscriber and resent from the history.
    void forward_tick() {
        queue_.take_all(batch_);
        for (const Pending& p : batch_) {
            Room& room = *rooms_[p.room];
            Stream& stream = *room.streams[p.stream];
            if (!stream.history.find(p.seq, send_buffer_)) continue;
            for (auto& subscriber : room.subscribers) {
                // The SFU's header rewrite: its own SSRC and sequence space per subscriber.
                send_buffer_[0] ^= static_cast<std::uint8_t>(stream.ssrc);
                checksum_ += send_buffer_[send_buffer_.size() / 2] + send_buffer_.size();
                subscriber->forwarded[p.stream].store(p.seq, std::memory_order_relaxed);
                ++sent_;
            }
            if (mix(p.seq * 31u + stream.ssrc) % 200 == 0 && p.seq > 20) {
                if (stream.history.find(p.seq - 20, retransmit_buffer_)) ++retransmitted_;
            }
        }
        batch_.clear();
    }

    // The RTCP thread, every 50 ms: each subscriber reports every 0.5 s (staggered); then each stream of
    // the room is trimmed through the lowest sequence number its subscribers have acknowledged.
    void rtcp_tick(long i) {
        for (int r = 0; r < kRooms; ++r) {
            Room& room = *rooms_[r];
            bool reported = false;
            for (std::size_t s = 0; s < room.subscribers.size(); ++s) {
                Subscriber& subscriber = *room.subscribers[s];
                if (!subscriber.sends_receiver_reports || (i + r + static_cast<long>(s)) % 10 != 0) continue;
                for (std::size_t k = 0; k < room.streams.size(); ++k)
                    subscriber.acknowledged[k] = subscriber.forwarded[k].load(std::memory_order_relaxed);
                reported = true;
            }
            if (!reported) continue;
            for (std::size_t k = 0; k < room.streams.size(); ++k) {
                std::uint32_t lowest = UINT32_MAX;
                for (auto& subscriber : room.subscribers) lowest = std::min(lowest, subscriber->acknowledged[k]);
                room.streams[k]->history.trim_through(lowest);
            }
        }
    }

    std::size_t held_packets(bool recorded) {
        std::size_t n = 0;
        for (int r = 0; r < kRooms; ++r)
            if ((r < kRecordedRooms) == recorded)
                for (auto& stream : rooms_[r]->streams) n += stream->history.size();
        return n;
    }

    std::uint64_t received_ = 0, sent_ = 0, retransmitted_ = 0, checksum_ = 0;

private:
    std::vector<std::unique_ptr<Room>> rooms_;
    ForwardQueue queue_;
    std::vector<Pending> batch_;
    std::vector<std::uint8_t> send_buffer_, retransmit_buffer_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    Sfu sfu;
    std::thread forwarder([&] { pattern::every(0.005, seconds, [&](long, double) { sfu.forward_tick(); }); });
    std::thread rtcp([&] { pattern::every(0.05, seconds, [&](long i, double) { sfu.rtcp_tick(i); }); });
    pattern::every(0.01, seconds, [&](long i, double t) { sfu.receive_tick(i, t); });
    forwarder.join();
    rtcp.join();
    std::fprintf(stderr,
                 "%llu packets received, %llu sent, %llu retransmitted; histories hold %zu packets of the "
                 "recorded rooms, %zu of the others (checksum %llu)\n",
                 (unsigned long long)sfu.received_, (unsigned long long)sfu.sent_,
                 (unsigned long long)sfu.retransmitted_, sfu.held_packets(true), sfu.held_packets(false),
                 (unsigned long long)sfu.checksum_);
    std::_Exit(0);
}
