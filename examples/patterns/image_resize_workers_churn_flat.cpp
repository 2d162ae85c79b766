// A flat service that churns big buffers on three threads, across glibc's mmap threshold (written in
// session 15 as a held-out check, never tuned on): an image upload service. 12 uploads a second, photos
// from 320x240 to 2400x1800 (log-uniform), go to three worker threads. Each worker holds the upload
// (~0.3 byte a pixel, 23 kB to 1.3 MB), decodes it into an RGB buffer (3 bytes a pixel: 0.23-13 MB,
// written whole), resizes it into a 1024-wide preview (when the photo is larger) and a 320x240
// thumbnail, encodes both (15-150 kB strings) and hands them to the storage writer, then frees
// everything. The service keeps only counters and a 256-entry ring of recent upload ids.
// glibc serves the first big buffers with mmap and gives them back at free, but each free of an
// mmapped chunk raises its mmap threshold (up to 32 MiB) to that chunk's size: after the first few
// uploads the buffers come from the workers' arenas and stay there when freed, so RSS climbs in the
// first seconds, and again when a bigger photo than any before raises the threshold further.
// Truth: not a leak: nothing is kept across uploads; the live heap goes up and down with the 0-3
// uploads in flight, around a flat level. What RSS keeps is the allocator's (free-but-kept bytes that
// grow while the heap does not: fragmentation is an honest name for it).
// Measured (tests/accuracy/measure.py, session 15): live heap 0.2-2.8 MB (one sample at 15.6 MB) all
// along (-5 kB/s over 0-16 s; samples mostly fall between uploads); RSS in steps, as bigger photos than
// any before raise the threshold: 35.6 MB at 2 s, 38.4 (4 s), 45.1-46.3 (5-8 s), 50.3 (9 s), 54.1 MB
// from 10 s to the end, while glibc's free-but-kept bytes grow 0 -> 25 (2 s) -> 39 (6 s) -> 49 MB (10 s),
// then stay; without the tracker RSS 33.6 (2 s), 36.4 (4 s), 44.8 (6-8 s), 48.8 (9 s), 52.2 MB from 10 s.
// 192 uploads.
// Usage: image_resize_workers_churn_flat SECONDS
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Upload {
    std::uint64_t id = 0;
    int width = 0, height = 0;
    std::vector<std::uint8_t> compressed;
};

struct Rendition {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;
};

// The JPEG decoder: every pixel of the output is written.
__attribute__((noinline)) std::vector<std::uint8_t> decode(const Upload& u) {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(u.width) * static_cast<std::size_t>(u.height) * 3);
    const std::size_t n = u.compressed.size();
    for (std::size_t row = 0; row < static_cast<std::size_t>(u.height); ++row)
        std::memset(rgb.data() + row * static_cast<std::size_t>(u.width) * 3, u.compressed[row % n],
                    static_cast<std::size_t>(u.width) * 3);
    return rgb;
}

// Nearest-neighbour resampling.
Rendition resize(const std::vector<std::uint8_t>& rgb, int width, int height, int to_width, int to_height) {
    Rendition r{to_width, to_height, std::vector<std::uint8_t>(static_cast<std::size_t>(to_width) * to_height * 3)};
    for (int y = 0; y < to_height; ++y) {
        const std::size_t src_row = static_cast<std::size_t>(y) * height / to_height * width * 3;
        for (int x = 0; x < to_width; x += 4) {
            const std::size_t src = src_row + static_cast<std::size_t>(x) * width / to_width * 3;
            std::memcpy(&r.rgb[(static_cast<std::size_t>(y) * to_width + x) * 3], &rgb[src], 3);
        }
    }
    return r;
}

std::string encode(const Rendition& r) {
    // ~1/20 of the raw size, like a JPEG at quality 80.
    std::string out(r.rgb.size() / 20 + 600, '\0');
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<char>(r.rgb[(k * 20) % r.rgb.size()] ^ k);
    return out;
}

class StorageWriter {
public:
    void store(std::uint64_t id, std::string&& preview, std::string&& thumbnail) {
        std::lock_guard lock(mutex_);
        stored_bytes_ += preview.size() + thumbnail.size();
        recent_[recent_at_++ % recent_.size()] = id;
    }
    std::uint64_t stored_bytes() {
        std::lock_guard lock(mutex_);
        return stored_bytes_;
    }

private:
    std::mutex mutex_;
    std::uint64_t stored_bytes_ = 0;
    std::vector<std::uint64_t> recent_ = std::vector<std::uint64_t>(256);
    std::size_t recent_at_ = 0;
};

void process(const Upload& u, StorageWriter& storage) {
    std::vector<std::uint8_t> rgb = decode(u);
    std::string preview;
    if (u.width > 1024) preview = encode(resize(rgb, u.width, u.height, 1024, 1024 * u.height / u.width));
    std::string thumbnail = encode(resize(rgb, u.width, u.height, 320, 240));
    storage.store(u.id, std::move(preview), std::move(thumbnail));
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    StorageWriter storage;
    pattern::WorkQueue<Upload> queue;
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w)
        workers.emplace_back([&] {
            Upload u;
            while (queue.pop(u)) process(u, storage);
        });
    std::mt19937 rng(2400);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uint64_t next_id = 0;
    // 25 ticks a second; 12 uploads a second (every tick where the running count crosses an integer).
    pattern::every(0.04, seconds, [&](long i, double) {
        const long due = (i + 1) * 12 / 25 - i * 12 / 25;
        for (long k = 0; k < due; ++k) {
            Upload u;
            u.id = next_id++;
            u.width = static_cast<int>(320 * std::pow(7.5, unit(rng)));  // 320 to 2400, log-uniform
            u.height = u.width * 3 / 4;
            u.compressed.resize(static_cast<std::size_t>(u.width) * static_cast<std::size_t>(u.height) * 3 / 10);
            for (std::size_t b = 0; b < u.compressed.size(); b += 64) u.compressed[b] = static_cast<std::uint8_t>(b >> 6);
            queue.push(std::move(u));
        }
    });
    queue.close();
    for (auto& w : workers) w.join();
    std::fprintf(stderr, "%llu uploads, %llu bytes stored\n", static_cast<unsigned long long>(next_id),
                 static_cast<unsigned long long>(storage.stored_bytes()));
    return 0;
}
