// A bounded sawtooth of batch buffers under jemalloc (written in session 23 as a held-out check, never
// tuned on): the clickstream collector of a news site, run with jemalloc preloaded as in production.
// Two ingest threads take page-view events (10,000 a second each) and append them to the open row group
// of a columnar file: one std::vector per column (timestamps, user ids, article ids, dwell times,
// scroll depths, a flags byte), the page URL and referrer as strings (30-85 characters, all of them
// past the small-string buffer) and the user agent as an index into a dictionary of 4,000 strings.
// Every 2 s a writer thread seals the open row group: it swaps in an empty one under the lock,
// delta- and varint-encodes the columns into an output buffer, writes the buffer to
// the file (/dev/null here), and destroys the sealed group (its vectors' capacity and every string
// go back to jemalloc).
// Truth: not a leak, a bounded sawtooth: the live heap climbs ~12 MB over each 2 s window (40,000
// events, ~250 bytes each in columns and strings, plus the vectors' doubling slack) and falls back to
// its floor (the dictionary and the runtime, ~1.3 MB) at each seal, 8 teeth over a 16 s run (seals at
// 2, 4, ... 14 s), with no growth from tooth to tooth. jemalloc keeps the freed pages dirty for
// a while (its decay), so RSS climbs to a high-water mark in the first seconds and then moves within it.
// Measured (session 23, tests/accuracy/measure.py): tracked, live heap 1.28-1.84 MB just after each
// seal, 13.52-13.54 MB just before it (at 2.1, 4.1, 6.1, 8.1, 10.1, 12.1 and 14.1 s; 13.18 MB at 16 s),
// +12 kB/s over 3-16 s; RSS 22.3-33.1 MB from 3 s on (-12 kB/s over 3-16 s); --plain, RSS 18.5 MB at
// 3 s, 22.5-29.1 MB from 5 s to the end (-272 kB/s over 9-16 s); 7 row groups sealed, 280,200 rows.
// Usage: LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 jemalloc_clickstream_row_group_sawtooth SECONDS
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

struct RowGroup {
    std::vector<std::int64_t> timestamp_ms;
    std::vector<std::uint64_t> user;
    std::vector<std::uint32_t> article;
    std::vector<std::uint32_t> dwell_ms;
    std::vector<std::uint8_t> scroll_depth;
    std::vector<std::uint8_t> flags;
    std::vector<std::uint16_t> user_agent;  // index into the dictionary
    std::vector<std::string> url;
    std::vector<std::string> referrer;
    std::size_t rows() const { return timestamp_ms.size(); }
};

class RowGroupWriter {
public:
    RowGroupWriter() : open_(std::make_unique<RowGroup>()) {
        for (std::uint64_t k = 0; k < 4000; ++k)
            user_agents_.push_back("Mozilla/5.0 (build " + std::to_string(mix(k) % 100000) +
                                   ") AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + std::to_string(100 + k % 30) +
                                   ".0 Safari/537.36");
        out_ = std::fopen("/dev/null", "wb");
    }
    ~RowGroupWriter() {
        if (out_) std::fclose(out_);
    }

    void append(std::uint64_t event, double t) {
        const std::uint64_t h = mix(event);
        std::string url = "https://news.example.com/" + std::string(kSections[h % 6]) + "/2026/12/" +
                          std::to_string(h % 28 + 1) + "/article-" + std::to_string(h % 50000) + "?utm_source=" +
                          (h % 3 ? "home" : "push") + "&v=" + std::to_string((h >> 20) % 1000000);
        std::string referrer = h % 4 ? "https://www.search.example/q?ref=" + std::to_string((h >> 30) % 1000000000)
                                     : "https://social.example/s/" + std::to_string((h >> 12) % 100000000);
        std::lock_guard<std::mutex> lock(mutex_);
        RowGroup& g = *open_;
        g.timestamp_ms.push_back(static_cast<std::int64_t>(t * 1000));
        g.user.push_back(h % 5000000);
        g.article.push_back(static_cast<std::uint32_t>(h % 50000));
        g.dwell_ms.push_back(static_cast<std::uint32_t>((h >> 8) % 120000));
        g.scroll_depth.push_back(static_cast<std::uint8_t>((h >> 16) % 101));
        g.flags.push_back(static_cast<std::uint8_t>(h >> 56));
        g.user_agent.push_back(static_cast<std::uint16_t>((h >> 24) % 4000));
        g.url.push_back(std::move(url));
        g.referrer.push_back(std::move(referrer));
    }

    // The writer thread's seal: the open group swapped out, encoded, written, destroyed.
    void seal() {
        std::unique_ptr<RowGroup> sealed;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            sealed = std::exchange(open_, std::make_unique<RowGroup>());
        }
        std::vector<std::uint8_t> encoded;
        encoded.reserve(sealed->rows() * 24);
        for (std::size_t r = 0; r < sealed->rows(); ++r) {
            const std::int64_t previous = r ? sealed->timestamp_ms[r - 1] : 0;
            put_varint(encoded, static_cast<std::uint64_t>(sealed->timestamp_ms[r] - previous));
            put_varint(encoded, sealed->user[r]);
            put_varint(encoded, sealed->article[r]);
            encoded.push_back(sealed->scroll_depth[r]);
            const std::string& url = sealed->url[r];
            encoded.insert(encoded.end(), url.begin() + 25, url.begin() + 40);
        }
        std::fwrite(encoded.data(), 1, encoded.size(), out_);
        written_ += encoded.size();
        rows_ += sealed->rows();
        ++groups_;
    }

    std::uint64_t groups() const { return groups_; }
    std::uint64_t rows() const { return rows_; }
    std::uint64_t written() const { return written_; }

private:
    static constexpr const char* kSections[] = {"politics", "business", "science", "sport", "culture", "world"};

    static void put_varint(std::vector<std::uint8_t>& out, std::uint64_t v) {
        while (v >= 0x80) {
            out.push_back(static_cast<std::uint8_t>(v | 0x80));
            v >>= 7;
        }
        out.push_back(static_cast<std::uint8_t>(v));
    }

    std::mutex mutex_;
    std::unique_ptr<RowGroup> open_;
    std::vector<std::string> user_agents_;
    std::FILE* out_ = nullptr;
    std::uint64_t groups_ = 0, rows_ = 0, written_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    RowGroupWriter writer;
    std::vector<std::thread> ingest;
    for (std::uint64_t s = 0; s < 2; ++s) {
        ingest.emplace_back([&, s] {
            // 10,000 events a second per thread: 100 every 10 ms.
            pattern::every(0.01, seconds, [&](long i, double t) {
                for (std::uint64_t k = 0; k < 100; ++k)
                    writer.append((static_cast<std::uint64_t>(i) * 100 + k) * 2 + s, t);
            });
        });
    }
    std::thread sealer([&] {
        pattern::every(2.0, seconds, [&](long i, double) {
            if (i > 0) writer.seal();
        });
    });
    for (auto& thread : ingest) thread.join();
    sealer.join();
    std::fprintf(stderr, "%llu row groups sealed, %llu rows, %llu bytes written\n",
                 static_cast<unsigned long long>(writer.groups()), static_cast<unsigned long long>(writer.rows()),
                 static_cast<unsigned long long>(writer.written()));
    std::_Exit(0);
}
