// A leak outside the malloc heap (written in session 15 as a held-out check, never tuned on): a live
// transcoder's preview rung. Four channels decode 25 frames a second each into 480x270 NV12 frames
// (194,400 B, 48 pages) that a frame pool maps with mmap, page-aligned so the hardware encoder could
// read them without a copy, and recycles through a free list. Each channel holds the last two decoded
// frames for B-frame reordering, then hands the oldest to the encoder thread, which packs it into an
// encoded packet (2-18 kB, kept in a bounded per-channel mux ring) and returns the frame to the pool.
// Once a second one channel (round robin) hits a stream discontinuity and resets its decoder: the
// reset clears the reorder queue (a std::deque of raw Frame pointers) without returning its two frames
// to the pool. The pool runs short and maps two new frames.
// Truth: a leak, linear (two frames mapped per second; as steps of 393 kB a second it is also a fine
// staircase), outside the malloc heap: 2 x 196,608 B = 393,216 B/s of anonymous mappings, every page
// written by the decoder, from the first reset (~0.5 s): ~6.3 MB over a 16 s run on a ~6 MB working set
// (16-20 frames in flight). The malloc'd heap (frame records, packets in the bounded mux rings) stays
// flat after its first second. The frames are mapped in FramePool::map_frame.
// Measured (tests/accuracy/measure.py, session 15): the mappings the tracker sees grow 392.9 kB/s over
// 2-16 s (3.15 -> 8.65 MB; 44 frames mapped at the end: 12 in flight, 32 dropped by 16 resets), RSS
// +412 kB/s (8.9 -> 14.8 MB), the live malloc heap flat at 1.1-1.3 MB (+348 B/s).
// Usage: transcoder_frame_mmap_leak SECONDS
#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

constexpr std::size_t kWidth = 480, kHeight = 270;
constexpr std::size_t kFrameBytes = kWidth * kHeight * 3 / 2;  // NV12: luma plane, then chroma at half size
constexpr std::size_t kPage = 4096;
constexpr std::size_t kMappedBytes = (kFrameBytes + kPage - 1) / kPage * kPage;
constexpr int kChannels = 4;
constexpr std::size_t kReorderDepth = 2;
constexpr std::size_t kMuxRing = 50;

struct Frame {
    std::uint8_t* pixels = nullptr;
    int channel = 0;
    std::int64_t pts = 0;
};

class FramePool {
public:
    Frame* acquire() {
        {
            std::lock_guard lock(mutex_);
            if (!free_.empty()) {
                Frame* f = free_.back();
                free_.pop_back();
                return f;
            }
            ++mapped_;
        }
        return map_frame();
    }
    void release(Frame* f) {
        std::lock_guard lock(mutex_);
        free_.push_back(f);
    }
    std::size_t mapped() {
        std::lock_guard lock(mutex_);
        return mapped_;
    }

private:
    __attribute__((noinline)) Frame* map_frame() {
        void* p = mmap(nullptr, kMappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            std::perror("mmap");
            std::exit(1);
        }
        auto* f = new Frame;
        f->pixels = static_cast<std::uint8_t*>(p);
        return f;
    }

    std::mutex mutex_;
    std::vector<Frame*> free_;
    std::size_t mapped_ = 0;
};

struct Packet {
    int channel = 0;
    std::vector<std::uint8_t> bytes;
};

class Encoder {
public:
    explicit Encoder(FramePool& pool) : pool_(pool), thread_([this] { run(); }) {}
    void submit(Frame* f) { queue_.push(f); }
    void finish() {
        queue_.close();
        thread_.join();
    }
    std::uint64_t packets() const { return packets_; }

private:
    void run() {
        Frame* f = nullptr;
        while (queue_.pop(f)) {
            // A sparse look at the frame decides the packet's size (an intra frame every 25th).
            std::uint32_t energy = 0;
            for (std::size_t k = 0; k < kFrameBytes; k += 997) energy += f->pixels[k];
            const std::size_t size = (f->pts % 25 == 0 ? 12000 : 2000) + energy % 6000;
            Packet packet{f->channel, std::vector<std::uint8_t>(size, static_cast<std::uint8_t>(energy))};
            auto& ring = mux_[f->channel];
            ring.push_back(std::move(packet));
            if (ring.size() > kMuxRing) ring.pop_front();
            ++packets_;
            pool_.release(f);
        }
    }

    FramePool& pool_;
    pattern::WorkQueue<Frame*> queue_;
    std::deque<Packet> mux_[kChannels];
    std::uint64_t packets_ = 0;
    std::thread thread_;
};

class Channel {
public:
    Channel(int id, FramePool& pool, Encoder& encoder) : id_(id), pool_(pool), encoder_(encoder) {}

    void decode_next() {
        Frame* f = pool_.acquire();
        f->channel = id_;
        f->pts = pts_++;
        // The decoder writes every byte of the frame: the luma plane, then the interleaved chroma.
        std::memset(f->pixels, static_cast<int>(16 + f->pts % 200), kWidth * kHeight);
        std::memset(f->pixels + kWidth * kHeight, 128, kFrameBytes - kWidth * kHeight);
        reorder_.push_back(f);
        if (reorder_.size() > kReorderDepth) {
            encoder_.submit(reorder_.front());
            reorder_.pop_front();
        }
    }
    // A discontinuity: the decoder starts again from the next keyframe. The held frames are dropped
    // from the queue, but nobody gives them back to the pool.
    void reset() {
        reorder_.clear();
        ++resets_;
    }
    std::uint64_t resets() const { return resets_; }

private:
    int id_;
    FramePool& pool_;
    Encoder& encoder_;
    std::deque<Frame*> reorder_;
    std::int64_t pts_ = 0;
    std::uint64_t resets_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    FramePool pool;
    Encoder encoder(pool);
    std::vector<Channel> channels;
    for (int c = 0; c < kChannels; ++c) channels.emplace_back(c, pool, encoder);
    // 25 ticks a second, one frame per channel each; the 12th tick of every second resets one channel.
    pattern::every(0.04, seconds, [&](long i, double) {
        for (auto& c : channels) c.decode_next();
        if (i % 25 == 12) channels[static_cast<std::size_t>(i / 25) % kChannels].reset();
    });
    encoder.finish();
    std::uint64_t resets = 0;
    for (auto& c : channels) resets += c.resets();
    std::fprintf(stderr, "%zu frames mapped (%zu bytes each), %llu resets, %llu packets\n", pool.mapped(), kMappedBytes,
                 static_cast<unsigned long long>(resets), static_cast<unsigned long long>(encoder.packets()));
    return 0;
}
