// A slow leak under a big sawtooth (written in session 20 as a held-out check, never tuned on): the
// audit history of a payments API gateway. Two ingest threads record every API call (8,000 a second:
// route, actor, and a redacted request payload of 200-600 bytes) into one in-memory history that the
// dispute desk searches by request id (a third thread, 100 look-ups a second). The history is capped:
// when it holds 24,000 records it is trimmed to the newest 4,000 in one go (trimming in bulk keeps the
// lock short on average), and the trim erases each dropped record's request-id index entry. One call
// in forty carries a distributed trace id; for those, record() also fills trace_links_, a side table
// (trace id -> sequence number and a span summary) that the tracing integration added later so that a
// trace could be followed back to its audit record. trim() was never taught about it: the links of
// dropped records stay, each with its trace-id key, its summary and its hash node.
// Truth: a leak, linear, from the start, under a bounded sawtooth: the history climbs ~6.5 MB/s (its
// records, ~800 bytes each with their payload, strings and index entry) from ~12 MB to ~28 MB of heap
// and drops back at each trim (first at 3 s, then every 2.5 s), and under it 200 trace links a second
// stay for good, ~420 bytes each (the summary, 150-270 bytes, allocated in AuditHistory::link_trace,
// is the biggest part; its 32-character key and the hash node): ~84 kB/s, ~1.3 MB over a 16 s run on a
// heap of 12-29 MB (an 8 MB account directory loaded at start), a process of ~34 MB. The sawtooth
// dominates the shape (one tooth is ten times the leak of the whole run), so a report that names the
// sawtooth is acceptable, as long as it finds the leak under it.
// Measured (session 20): a plain run without leakscope (RSS and glibc's mallinfo2 every 100 ms, by a
// preloaded sampler): the heap under the teeth (each tooth's fitted line at its trim) 12.14, 12.39,
// 12.68, 12.86, 13.11 MB at 3-13 s, +96 kB/s; the same program built without the trace links: +13 kB/s
// (so ~83 kB/s from the links); RSS 31.7 MB at 3 s, 34.1 MB at 16 s; tests/accuracy/measure.py
// (tracked): the floor under the teeth 10.63 -> 11.47 MB, +85 kB/s over five teeth, peaks 27.1-28.0
// MB; 3,283 trace links at exit.
// Usage: audit_history_trim_trace_link_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

struct Account {
    std::uint64_t id;
    std::string name;
    std::string country;
    std::string risk_profile;  // a serialized risk profile, as stored
};

// The account directory: loaded at start, read-only afterwards.
class AccountDirectory {
public:
    AccountDirectory() {
        accounts_.reserve(kAccounts);
        for (std::uint64_t i = 0; i < kAccounts; ++i) {
            const std::uint64_t h = mix(i + 77);
            accounts_.push_back(Account{i, "merchant-" + std::to_string(h % 10000000), kCountries[h % 6],
                                        std::string(160 + h % 161, static_cast<char>('a' + h % 26))});
        }
    }
    const Account& get(std::uint64_t id) const { return accounts_[id % kAccounts]; }

private:
    static constexpr std::uint64_t kAccounts = 20000;
    static constexpr const char* kCountries[6] = {"DE", "FR", "US", "BR", "IN", "JP"};
    std::vector<Account> accounts_;
};

struct AuditRecord {
    std::uint64_t seq;
    std::uint64_t request_id;
    std::string route;
    std::string actor;
    std::string payload;  // redacted request body
    int status;
};

struct TraceLink {
    std::uint64_t seq;
    std::string span_summary;
};

class AuditHistory {
public:
    void record(std::uint64_t request_id, const std::string& route, const Account& actor, std::uint64_t h) {
        std::string payload = redact(actor, h);
        std::lock_guard<std::mutex> lock(mutex_);
        const std::uint64_t seq = ++next_seq_;
        history_.push_back(AuditRecord{seq, request_id, route, actor.name, std::move(payload),
                                       h % 17 == 0 ? 402 : 200});
        by_request_.emplace(request_id, &history_.back());
        if (h % 40 == 7) link_trace(seq, h, route);
        if (history_.size() >= kCap) trim();
    }

    // The dispute desk's look-up: the record of a request, if it is still in the history.
    bool find(std::uint64_t request_id, std::string* payload) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = by_request_.find(request_id);
        if (it == by_request_.end()) return false;
        *payload = it->second->payload.substr(0, 64);
        return true;
    }

    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return history_.size();
    }
    std::size_t links() {
        std::lock_guard<std::mutex> lock(mutex_);
        return trace_links_.size();
    }
    std::uint64_t trims() const { return trims_; }

private:
    static constexpr std::size_t kCap = 24000;
    static constexpr std::size_t kKeep = 4000;

    static std::string redact(const Account& actor, std::uint64_t h) {
        std::string body = "{\"merchant\":\"" + actor.name + "\",\"country\":\"" + actor.country + "\",\"card\":\"****";
        body += std::to_string(1000 + h % 9000) + "\",\"amount\":" + std::to_string(h % 100000) + ",\"items\":[";
        const std::size_t target = 200 + h % 401;
        while (body.size() + 2 < target) body += "{\"sku\":\"" + std::to_string(mix(h + body.size()) % 1000000) + "\"},";
        body += "]}";
        return body;
    }

    __attribute__((noinline)) void link_trace(std::uint64_t seq, std::uint64_t h, const std::string& route) {
        char trace_id[33];
        std::snprintf(trace_id, sizeof trace_id, "%016llx%016llx", (unsigned long long)mix(h),
                      (unsigned long long)mix(h ^ 0xabcdef));
        std::string summary = "span=" + route + " service=payments-gw peer=10.4." + std::to_string(h % 256) + "." +
                              std::to_string((h >> 8) % 256) + " attrs=";
        summary.append(150 + h % 121 - std::min<std::size_t>(summary.size(), 100), 'k');
        trace_links_.emplace(std::string(trace_id), TraceLink{seq, std::move(summary)});
    }

    // Drops the oldest records down to kKeep, and their request-id index entries.
    void trim() {
        while (history_.size() > kKeep) {
            by_request_.erase(history_.front().request_id);
            history_.pop_front();
        }
        ++trims_;
    }

    std::mutex mutex_;
    std::deque<AuditRecord> history_;
    std::unordered_map<std::uint64_t, AuditRecord*> by_request_;
    std::unordered_map<std::string, TraceLink> trace_links_;
    std::uint64_t next_seq_ = 0;
    std::uint64_t trims_ = 0;
};

const char* const kRoutes[] = {"/v2/payments",          "/v2/payments/capture", "/v2/refunds",
                               "/v2/payouts/schedule",  "/v2/customers/search", "/v2/disputes/evidence",
                               "/v2/payment-methods",   "/v2/balance/transactions"};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    const AccountDirectory accounts;
    AuditHistory history;
    std::vector<std::thread> ingest;
    // Two ingest threads, each 40 calls every 10 ms (8,000 a second together).
    for (std::uint64_t worker = 0; worker < 2; ++worker) {
        ingest.emplace_back([&, worker] {
            pattern::every(0.01, seconds, [&](long i, double) {
                for (std::uint64_t k = 0; k < 40; ++k) {
                    const std::uint64_t n = (static_cast<std::uint64_t>(i) * 40 + k) * 2 + worker;
                    const std::uint64_t h = mix(n);
                    history.record(n, kRoutes[h % 8], accounts.get(h >> 20), h);
                }
            });
        });
    }
    std::uint64_t found = 0;
    std::string excerpt;
    // The dispute desk: 100 look-ups a second of recent and older requests.
    pattern::every(0.01, seconds, [&](long i, double) {
        const std::uint64_t recent = static_cast<std::uint64_t>(i) * 80;
        if (history.find(recent - mix(static_cast<std::uint64_t>(i)) % 30000, &excerpt)) ++found;
    });
    for (auto& thread : ingest) thread.join();
    std::fprintf(stderr, "%llu trims, %zu records in the history, %zu trace links, %llu disputes found\n",
                 (unsigned long long)history.trims(), history.size(), history.links(), (unsigned long long)found);
    std::_Exit(0);
}
