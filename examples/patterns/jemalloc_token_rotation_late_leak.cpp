// A late-onset leak under jemalloc (written in session 9 as a held-out check, never tuned on): an API
// gateway, run with jemalloc preloaded as many C++ services are, authenticates 500 requests a second
// on 3 threads. At start it loads the sessions of its 8,000 clients (~10 MB, the warm-up). Each
// request carries an access token and a DPoP proof (a signed JWT that is new for every request); the
// gateway verifies the proof against the current signing key. At 7 s the key rotates. Clients keep
// using tokens signed with the previous key until they expire, so from then on 40% of the requests go
// through the legacy path, which, "to spare a second verification", remembers the decoded claims in
// a map keyed by the whole proof. Proofs are never repeated, so the map only grows.
// Truth: flat after the warm-up until 7 s, then a leak, linear, from 7 s: 200 legacy requests a
// second, each keeping a ~300-character key, its hash node and the claims' two heap strings (~540
// bytes asked of malloc, more in jemalloc's size classes), plus the map's bucket arrays doubling now
// and then. Measured under leakscope run: flat over 2-7 s (live heap 11.98 MB, RSS 20.5 MB), then the
// live heap grows 108 kB/s over 8-18 s and 10-18 s (RSS 155-159 kB/s, jemalloc's size classes):
// ~1.2 MB over the last 11 s on ~22 MB (about 5%). The entries are made in LegacyVerifier::remember.
// Usage: jemalloc_token_rotation_late_leak SECONDS
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

constexpr int kClients = 8000;
constexpr double kRotationAtS = 7.0;

struct Claims {
    std::string subject;  // "client-NNNN@tenant-NN.accounts.example.com"
    std::string scope;    // the granted scopes, space-separated
    std::int64_t expires;
};

struct Session {
    std::string client_id;
    std::vector<char> public_key;  // the client's DPoP key (a JWK, ~1.2 kB)
    Claims claims;
};

struct Request {
    int client;
    long n;
    bool legacy_key;
};

std::string make_proof(const Request& r) {
    // header.payload.signature, base64url-like: ~300 characters, unique per request (jti, iat).
    char payload[160];
    std::snprintf(payload, sizeof payload, "eyJqdGkiOiIlMDE2bHgiLCJodG0iOiJQT1NUIiwiaHR1Ijoi%016lx.%08x.%012ld",
                  static_cast<unsigned long>(r.n * 0x9E3779B97F4A7C15ull), r.client, r.n);
    std::string proof = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImRwb3Arand0IiwiandrIjp7Imt0eSI6IkVDIn19.";
    proof += payload;
    proof += '.';
    proof.append(300 - proof.size(), static_cast<char>('A' + r.n % 26));
    return proof;
}

class LegacyVerifier {
public:
    /// The bug: keyed by the whole proof, which no request ever repeats.
    __attribute__((noinline)) void remember(const std::string& proof, const Session& s) {
        Claims claims{s.claims.subject, s.claims.scope, s.claims.expires};
        std::lock_guard lock(mutex_);
        verified_.emplace(proof, std::move(claims));
    }
    bool seen(const std::string& proof) {
        std::lock_guard lock(mutex_);
        return verified_.count(proof) != 0;
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return verified_.size();
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::string, Claims> verified_;
};

std::uint64_t verify_signature(const std::string& proof, const std::vector<char>& key) {
    std::uint64_t h = 1469598103934665603ull;
    for (char c : proof) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return h ^ static_cast<unsigned char>(key[h % key.size()]);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    std::vector<Session> sessions(kClients);
    for (int c = 0; c < kClients; ++c) {
        Session& s = sessions[c];
        s.client_id = "client-" + std::to_string(c) + "-4f1c2a9e7d3b";
        s.public_key.assign(1200, static_cast<char>('a' + c % 26));
        s.claims = {"client-" + std::to_string(c) + "@tenant-" + std::to_string(c % 64) + ".accounts.example.com",
                    "orders:read orders:write invoices:read profile:read webhooks:manage", 1'800'000'000 + c};
    }
    LegacyVerifier legacy;
    pattern::WorkQueue<Request> queue;
    std::atomic<std::uint64_t> verified{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 3; ++w) {
        workers.emplace_back([&] {
            Request r;
            while (queue.pop(r)) {
                const Session& s = sessions[r.client];
                const std::string proof = make_proof(r);
                if (r.legacy_key) {
                    if (!legacy.seen(proof)) {
                        verified += verify_signature(proof, s.public_key) & 1;
                        legacy.remember(proof, s);
                    }
                } else {
                    verified += verify_signature(proof, s.public_key) & 1;
                }
            }
        });
    }
    long n = 0;
    // 100 ticks a second, 5 requests each; after the rotation 2 of every 5 carry an old-key token.
    pattern::every(0.01, seconds, [&](long, double t) {
        const bool rotated = t >= kRotationAtS;
        for (int k = 0; k < 5; ++k, ++n)
            queue.push({static_cast<int>(n * 7919 % kClients), n, rotated && k < 2});
    });
    queue.close();
    for (auto& w : workers) w.join();
    std::printf("%ld requests, %zu legacy proofs remembered, %llu\n", n, legacy.size(),
                static_cast<unsigned long long>(verified.load()));
    return 0;
}
