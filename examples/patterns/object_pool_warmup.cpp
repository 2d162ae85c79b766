// An object pool that grows to its high-water mark, then only reuses (written in session 6 as a
// held-out check, never tuned on): a streaming gateway takes 4 KiB message buffers from a pool that
// news a buffer when its free list is empty and never deletes one. Requests in flight ramp from 0 to
// 4,000 over the first 4 s (traffic arriving after a deploy), then swing between 2,000 and 4,000 with
// a 3 s period; every 10 ms 40 requests also complete and 40 new ones start (release, then acquire).
// As in-flight never again exceeds 4,000, the pool never again grows: its buffers move between the
// requests and the free list.
// Truth: a warm-up of ~16.4 MB (4,000 buffers of 4,096 bytes, all touched, plus the free list's
// vector), reached at 4 s, then flat: not a leak.
// Usage: object_pool_warmup SECONDS
#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>
#include <vector>

#include "pacing.hpp"

namespace {

struct Buffer {
    char bytes[4096];
};

class BufferPool {
public:
    __attribute__((noinline)) std::unique_ptr<Buffer> acquire() {
        if (free_.empty()) {
            ++created_;
            auto buffer = std::make_unique<Buffer>();
            pattern::touch(buffer->bytes, sizeof buffer->bytes);
            return buffer;
        }
        auto buffer = std::move(free_.back());
        free_.pop_back();
        return buffer;
    }
    void release(std::unique_ptr<Buffer> buffer) { free_.push_back(std::move(buffer)); }
    std::size_t created() const { return created_; }

private:
    std::vector<std::unique_ptr<Buffer>> free_;
    std::size_t created_ = 0;
};

constexpr double kPi = 3.14159265358979323846;

// Requests in flight at time t: a ramp to 4,000 over 4 s, then a swing between 2,000 and 4,000.
std::size_t in_flight_target(double t) {
    if (t < 4.0) return static_cast<std::size_t>(4000.0 * t / 4.0);
    return static_cast<std::size_t>(3000.0 + 1000.0 * std::cos(2.0 * kPi * (t - 4.0) / 3.0));
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    BufferPool pool;
    std::deque<std::unique_ptr<Buffer>> in_flight;
    long served = 0;
    pattern::every(0.01, seconds, [&](long i, double t) {
        // Requests that complete give their buffer back before new ones take one.
        const std::size_t done = std::min<std::size_t>(40, in_flight.size());
        for (std::size_t k = 0; k < done; ++k) {
            pool.release(std::move(in_flight.front()));
            in_flight.pop_front();
            ++served;
        }
        const std::size_t target = in_flight_target(t);
        while (in_flight.size() > target) {
            pool.release(std::move(in_flight.front()));
            in_flight.pop_front();
        }
        while (in_flight.size() < target) {
            in_flight.push_back(pool.acquire());
            in_flight.back()->bytes[0] = static_cast<char>(i);
        }
    });
    std::printf("%zu buffers created, %ld requests served\n", pool.created(), served);
    return 0;
}
