// A staircase leak: bursts every 2 s that are never released, three threads (written in session 35, batch 14,
// as a held-out check, never tuned on): the clearing service of a card acquirer. Two authorization threads
// take 1,800 card authorizations a second between them (each a request, its ISO 8583 fields and a response,
// freed when answered) and append the approved ones to the open batch. Every 2 s the settlement thread closes
// the batch: it builds a clearing record per approved authorization (PAN token, amounts, MCC, merchant name and
// city, acquirer reference, interchange fields, ~330 B as asked of malloc, the record itself in the batch's vector), sends the file and
// then releases the batch, except that the dispute-monitoring hook registered for chargebacks captures the
// batch's shared_ptr in a std::function kept in the DisputeWatch's list, "until the acquirer's response file
// says which records are disputed"; the response file's handler looks the batch up by the settlement date's
// string and the new clearing format writes it as "2026-12-07T00:00Z", so the lookup never matches and no
// hook is ever removed.
// Truth: a leak, in steps: every 2 s a closed batch of ~3,400 clearing records (~1.1 MB as asked of malloc)
// stays, ~555 kB/s on average (in Settlement::close_batch), so 7 steps of ~1.1 MB (at 2, 4, ..., 14 s) over a 16 s
// run, ~7.8 MB, ~58% of the process by the end; between the steps the live heap is flat (the open
// batch's approved authorizations, up to ~0.35 MB, are moved into the records). The program prints on stderr each
// batch closed and the bytes the kept batches hold.
// Measured (session 35, tests/accuracy/measure.py): tracked, live heap 0.22 MB at 1 s, 1.33 at 3 s, 4.67 at 9 s, 6.89 at
// 13 s, 8.14 at 16 s (+556 kB/s over 1-16 s, +564 over 3-13 s, +552 over 9-16 s), RSS 4.6 -> 19.5 MB; --plain, RSS 3.28 MB
// at 1 s, 13.40 at 16 s (+716 kB/s over 1-16 s); the program's own counters: 1.11, 2.21, 3.33, 4.44, 5.55, 6.67, 7.77 MB
// kept after the batches of 2-14 s; 28,800 authorizations, 27,033 approved, 7 batches held.
// Usage: card_settlement_batch_dispute_hold_staircase SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mix.h"
#include "pacing.hpp"

namespace {

constexpr int kAuthThreads = 2;
constexpr int kAuthsPerTick = 9;  // per thread every 10 ms: 1,800 a second
constexpr double kBatchS = 2.0;

const char* const kMerchants[] = {"BÄCKEREI MÜLLER FILIALE", "SHELL STATION A7 NORD", "REWE MARKT GMBH", "IKEA DEUTSCHLAND",
                                  "DB VERTRIEB GMBH TICKET", "LIDL DIENSTLEISTUNG", "APOTHEKE AM MARKT", "ARAL TANKSTELLE"};
const char* const kCities[] = {"HAMBURG", "MUENCHEN", "KOELN", "FRANKFURT AM MAIN", "STUTTGART", "LEIPZIG", "DRESDEN"};

std::atomic<long> g_kept_bytes{0}, g_authorizations{0}, g_approved{0};

struct Authorization {
    std::uint64_t stan;
    std::string pan_token;
    std::uint32_t amount_cents;
    std::uint16_t mcc;
    std::uint16_t merchant;
};

struct ClearingRecord {
    std::string pan_token;             // 32-char network token
    std::string acquirer_reference;    // 23-digit ARN
    std::string merchant_name_city;    // DE 43
    std::string interchange_fields;    // fee program, IRD, cashback and tax indicators
    std::uint32_t amount_cents, settlement_amount_cents;
    std::uint16_t mcc, currency;
    std::uint64_t stan;
};

struct Batch {
    std::string settlement_date;
    std::vector<ClearingRecord> records;
    long bytes = 0;
};

std::size_t heap_size(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// Holds a closed batch until the acquirer's response file says which of its records are disputed.
class DisputeWatch {
public:
    void hold(const std::string& date, std::function<void(const std::string&)> on_response) {
        std::lock_guard<std::mutex> lock(mutex_);
        hooks_.push_back({date, std::move(on_response)});
    }
    // The response file's handler: its dates come as "2026-12-07T00:00Z" now, the hooks' as "2026-12-07".
    void response_file(const std::string& date) {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = hooks_.begin(); it != hooks_.end(); ++it)
            if (it->first == date) {
                it->second(date);
                hooks_.erase(it);
                return;
            }
    }
    std::size_t size() {
        std::lock_guard<std::mutex> lock(mutex_);
        return hooks_.size();
    }

private:
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::function<void(const std::string&)>>> hooks_;
};

class Settlement {
public:
    void approve(Authorization auth) {
        std::lock_guard<std::mutex> lock(mutex_);
        open_.push_back(std::move(auth));
    }

    // Builds the clearing file of the open batch, sends it, and hands the batch to the dispute watch.
    std::shared_ptr<Batch> close_batch(int day, DisputeWatch& watch) {
        std::vector<Authorization> approved;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            approved.swap(open_);
        }
        auto batch = std::make_shared<Batch>();
        char date[32], text[160];
        std::snprintf(date, sizeof date, "2026-12-%02d", 1 + day % 28);
        batch->settlement_date = date;
        batch->records.reserve(approved.size());
        batch->bytes = (long)(approved.size() * sizeof(ClearingRecord));
        for (const Authorization& a : approved) {
            const std::uint64_t h = mix(a.stan ^ 0xc1ea5);
            ClearingRecord r;
            r.pan_token = a.pan_token;
            std::snprintf(text, sizeof text, "7%04u%06llu%012llu", (unsigned)(h % 10000),
                          (unsigned long long)(h >> 14) % 1000000ull, (unsigned long long)(a.stan % 1000000000000ull));
            r.acquirer_reference = text;
            std::snprintf(text, sizeof text, "%-25.25s%-13.13s DEU", kMerchants[a.merchant % 8], kCities[h % 7]);
            r.merchant_name_city = text;
            std::snprintf(text, sizeof text, "FPI=%03u;IRD=%02u;CB=0;TAXI=%c;PROG=EEA-CONSUMER-DEBIT-%s;CAP=%llu", (unsigned)(h % 999),
                          (unsigned)(h >> 10) % 40, h >> 20 & 1 ? 'Y' : 'N', h >> 21 & 1 ? "CHIP" : "CONTACTLESS",
                          (unsigned long long)(h >> 30) % 100000ull);
            r.interchange_fields = text;
            r.amount_cents = a.amount_cents;
            r.settlement_amount_cents = a.amount_cents - a.amount_cents / 500;
            r.mcc = a.mcc;
            r.currency = 978;
            r.stan = a.stan;
            batch->bytes += (long)(heap_size(r.pan_token) + heap_size(r.acquirer_reference) + heap_size(r.merchant_name_city) +
                                   heap_size(r.interchange_fields));
            batch->records.push_back(std::move(r));
        }
        sent_bytes_ += (long)batch->records.size() * 180;  // the clearing file's 180-byte records
        g_kept_bytes += batch->bytes;
        watch.hold(batch->settlement_date, [batch](const std::string&) {
            // Drops the undisputed records of the batch (never reached: the dates never match).
            g_kept_bytes -= batch->bytes;
            batch->records.clear();
            batch->records.shrink_to_fit();
        });
        return batch;
    }
    long sent_bytes() const { return sent_bytes_; }

private:
    std::mutex mutex_;
    std::vector<Authorization> open_;
    long sent_bytes_ = 0;
};

Settlement g_settlement;
DisputeWatch g_watch;

void authorize(int thread, double seconds) {
    std::uint64_t stan = (std::uint64_t)thread << 40;
    char token[48];
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < kAuthsPerTick; ++k, ++stan) {
            const std::uint64_t h = mix(stan);
            // The request as parsed: its fields, and the response built for it.
            std::vector<std::string> fields;
            for (int f = 0; f < 12; ++f) fields.emplace_back(24 + (h >> f) % 48, (char)('0' + f));
            std::string response(120 + h % 200, 'r');
            ++g_authorizations;
            if (h % 100 < 94) {  // approved
                std::snprintf(token, sizeof token, "%016llx%016llx", (unsigned long long)mix(h % 800000),
                              (unsigned long long)mix(h % 800000 + 7));
                g_settlement.approve({stan, token, (std::uint32_t)(199 + h % 25000), (std::uint16_t)(5411 + h % 7),
                                      (std::uint16_t)(h >> 17)});
                ++g_approved;
            }
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    std::vector<std::thread> threads;
    for (int t = 0; t < kAuthThreads; ++t) threads.emplace_back(authorize, t, seconds);
    int day = 0;
    pattern::every(kBatchS, seconds, [&](long i, double t) {
        if (i == 0) return;  // the first cut-off is 2 s after start
        auto batch = g_settlement.close_batch(day, g_watch);
        char response_date[40];
        // The acquirer's response file for the batch before: dates in the new format.
        std::snprintf(response_date, sizeof response_date, "2026-12-%02dT00:00Z", 1 + (day + 27) % 28);
        g_watch.response_file(response_date);
        ++day;
        std::fprintf(stderr, "t=%5.2f s: batch %s closed, %zu records (%.2f MB), %zu batches held, %.2f MB kept\n", t,
                     batch->settlement_date.c_str(), batch->records.size(), batch->bytes / 1e6, g_watch.size(),
                     g_kept_bytes.load() / 1e6);
    });
    for (auto& t : threads) t.join();
    std::fprintf(stderr, "%ld authorizations, %ld approved, %zu batches held, %.2f MB kept, %.2f MB of clearing files sent\n",
                 g_authorizations.load(), g_approved.load(), g_watch.size(), g_kept_bytes.load() / 1e6,
                 g_settlement.sent_bytes() / 1e6);
    return 0;
}
