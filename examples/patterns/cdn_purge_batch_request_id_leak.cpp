// A leak under a bounded sawtooth, two threads (written in session 26, batch 10, as a held-out check,
// never tuned on): the purge API of a CDN. Customers' deploy pipelines and CMSs send 1,500 purge
// requests a second (a JSON body with a request id, the account, 1-6 surrogate keys and 0-3 URLs); the
// API thread parses each one, checks its request id against the idempotency index (clients retry on
// timeouts, and a retried purge must not be fanned out twice), and appends it to the current batch. The
// flusher thread takes the batch every 2.5 s, groups its requests by surrogate key into a fan-out plan,
// writes one purge message per edge region (12 of them) and sends them, then drops the batch, the plan
// and the messages. The idempotency index was meant to forget a request id once its batch is flushed
// (a retry after that purges again, which is harmless); a refactor that moved the flush to its own
// thread swapped the batch out and dropped the line that cleared the index.
// Truth: a leak, reachable, linear from the start, under a bounded sawtooth: every new request id stays in
// the index (its std::string, 36 characters, and its std::unordered_set node, allocated in
// IdempotencyIndex::remember; the bucket array doubling now and then): ~1,470 ids a second of ~100 B, ~147
// kB/s, ~2.3 MB over a 16 s run. Over it, the batch grows to ~3,700 requests of ~1 kB (~3.7 MB) in 2.5 s and
// falls to nothing at each flush, with the plan and one region's message (~1 MB each) for its last instant:
// teeth of ~4 MB. The batch is malloc'd on the API thread and freed on the flusher thread, into the API
// thread's arena: RSS shows the teeth only in part.
// Measured (session 26, tests/accuracy/measure.py): tracked, live heap just after each flush 0.96 MB at 2.8
// s, 1.28 at 5.3, 1.68 at 7.8, 2.00 at 10.3, 2.33 at 12.8, 2.80 at 15.3 (+147 kB/s), just before it 4.82 at
// 2.5 s, 4.87 at 5, 5.21 at 7.5, 5.70 at 10, 6.44 at 12.5 (least-squares +190 kB/s over 3-13 s, +113 over 3-9
// s, +120 over 9-16 s: the teeth's phase), RSS 13.9 MB at 3 s, 18.5 at 16 s; --plain, RSS 11.0 MB at 3 s,
// 13.7 at 13 s, 14.2 at 16 s (+244 kB/s over 3-13 s, +284 over 3-9 s, +191 over 9-16 s); 21,873 requests
// flushed in 6 batches, 503 retries answered, 23,497 request ids in the index at exit.
// Usage: cdn_purge_batch_request_id_leak SECONDS
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr int kRegions = 12;
constexpr int kRequestsPerTick = 15;  // every 10 ms: 1,500 a second

const char* const kRegionNames[kRegions] = {"us-east", "us-west", "us-central", "ca", "br", "eu-west",
                                            "eu-central", "eu-north", "in", "sg", "jp", "au"};

struct PurgeRequest {
    std::string request_id;  // a UUID, 36 characters
    std::string account;
    std::vector<std::string> surrogate_keys;
    std::vector<std::string> urls;
    std::string body;  // the JSON as received, kept for the purge audit log
    double received_s;
    bool soft;  // soft purge: mark stale rather than evict
};

std::string uuid_of(std::uint64_t n) {
    const std::uint64_t a = mix(n), b = mix(n ^ 0x5eed);
    char out[40];
    std::snprintf(out, sizeof out, "%08llx-%04llx-4%03llx-a%03llx-%012llx", (unsigned long long)(a >> 32),
                  (unsigned long long)(a >> 16 & 0xffff), (unsigned long long)(a & 0xfff),
                  (unsigned long long)(b >> 52), (unsigned long long)(b & 0xffffffffffffull));
    return out;
}

// The request as a deploy pipeline sends it.
std::string request_body(std::uint64_t n, PurgeRequest& r) {
    const std::uint64_t h = mix(n * 31 + 7);
    r.account = "acct-" + std::to_string(1000 + h % 4000);
    const int keys = 1 + static_cast<int>(h % 6), urls = static_cast<int>(h >> 8 & 3);
    static const char* const kinds[] = {"product", "category", "article", "asset", "price", "search"};
    for (int k = 0; k < keys; ++k)
        r.surrogate_keys.push_back(std::string(kinds[(h >> (12 + k)) % 6]) + "-" +
                                   std::to_string(mix(h + static_cast<std::uint64_t>(k)) % 200000));
    for (int u = 0; u < urls; ++u)
        r.urls.push_back("https://www.shop" + std::to_string(h % 4000) + ".example.com/catalog/" +
                         std::to_string(mix(h ^ static_cast<std::uint64_t>(u)) % 90000) +
                         "/detail?variant=" + std::to_string(h % 97) + "&lang=en-GB");
    r.soft = h % 5 == 0;
    std::string body = "{\"request_id\":\"" + r.request_id + "\",\"account\":\"" + r.account + "\",\"soft\":" +
                       (r.soft ? "true" : "false") + ",\"surrogate_keys\":[";
    for (std::size_t k = 0; k < r.surrogate_keys.size(); ++k) body += (k ? ",\"" : "\"") + r.surrogate_keys[k] + "\"";
    body += "],\"urls\":[";
    for (std::size_t u = 0; u < r.urls.size(); ++u) body += (u ? ",\"" : "\"") + r.urls[u] + "\"";
    body += "],\"origin\":\"deploy-pipeline\",\"reason\":\"content update\"}";
    return body;
}

// Request ids already accepted, so that a client's retry of the same purge is answered without a second
// fan-out.
class IdempotencyIndex {
public:
    // True when `id` is new (and now remembered).
    __attribute__((noinline)) bool remember(const std::string& id) {
        std::lock_guard<std::mutex> lock(mutex_);
        return ids_.insert(id).second;
    }
    // The flush was to call this for the ids of each batch it sent; since the flusher got its own
    // thread, nothing does.
    void forget(const std::vector<PurgeRequest>& sent) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& r : sent) ids_.erase(r.request_id);
    }
    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return ids_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_set<std::string> ids_;
};

class PurgeService {
public:
    // The API thread, every 10 ms.
    void api_tick(long i, double t) {
        for (int k = 0; k < kRequestsPerTick; ++k) {
            const std::uint64_t n = static_cast<std::uint64_t>(i) * kRequestsPerTick + static_cast<std::uint64_t>(k);
            // 1 in 50 is a client's retry of a purge sent a little earlier.
            const bool retry = mix(n ^ 0xabc) % 50 == 0 && n > 200;
            PurgeRequest r;
            r.request_id = uuid_of(retry ? n - 1 - mix(n) % 150 : n);
            r.body = request_body(retry ? n - 1 - mix(n) % 150 : n, r);
            r.received_s = t;
            if (!index_.remember(r.request_id)) {
                ++retries_answered_;
                continue;
            }
            std::lock_guard<std::mutex> lock(batch_mutex_);
            batch_.push_back(std::move(r));
        }
    }

    // The flusher thread, every 2.5 s.
    void flush() {
        std::vector<PurgeRequest> sent;
        {
            std::lock_guard<std::mutex> lock(batch_mutex_);
            sent.swap(batch_);
        }
        // The fan-out plan: each surrogate key's requests (a key purged twice in a batch goes out once).
        std::unordered_map<std::string, std::vector<const PurgeRequest*>> plan;
        for (const auto& r : sent)
            for (const auto& key : r.surrogate_keys) plan[key].push_back(&r);
        // One message per edge region, written and sent in turn; the URLs go to every region too.
        for (int region = 0; region < kRegions; ++region) {
            std::string m = "{\"region\":\"" + std::string(kRegionNames[region]) + "\",\"keys\":[";
            for (const auto& [key, requests] : plan)
                m += "{\"key\":\"" + key + "\",\"soft\":" + (requests.front()->soft ? "true" : "false") + "},";
            m += "],\"urls\":[";
            for (const auto& r : sent)
                for (const auto& url : r.urls) m += "\"" + url + "\",";
            m += "]}";
            bytes_sent_ += m.size();
        }
        // Nothing calls index_.forget(sent) any more.
        ++flushes_;
        keys_purged_ += plan.size();
        requests_flushed_ += sent.size();
    }

    IdempotencyIndex index_;
    std::uint64_t retries_answered_ = 0, flushes_ = 0, keys_purged_ = 0, requests_flushed_ = 0, bytes_sent_ = 0;

private:
    std::mutex batch_mutex_;
    std::vector<PurgeRequest> batch_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    PurgeService service;
    // The flusher wakes every 100 ms (to stop promptly at the end) and flushes every 2.5 s.
    std::thread flusher([&] {
        pattern::every(0.1, seconds, [&](long i, double) {
            if (i % 25 == 24) service.flush();
        });
    });
    pattern::every(0.01, seconds, [&](long i, double t) { service.api_tick(i, t); });
    flusher.join();
    std::fprintf(stderr,
                 "%llu requests flushed in %llu batches (%llu surrogate keys, %llu MB of purge messages), %llu "
                 "retries answered; %zu request ids in the idempotency index\n",
                 (unsigned long long)service.requests_flushed_, (unsigned long long)service.flushes_,
                 (unsigned long long)service.keys_purged_, (unsigned long long)(service.bytes_sent_ >> 20),
                 (unsigned long long)service.retries_answered_, service.index_.size());
    std::_Exit(0);
}
