// A noisy but flat service (failure class 4): 2000 sessions in a std::map whose entries are replaced
// at random (sizes vary), a response cache capped at 500 entries in an unordered_map, and a JSON-lines
// logger that formats every request into a buffer flushed every 100 lines. Everything is built at
// start-up, so the live memory only jitters around its level.
// Truth: stable, not a leak.
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <unordered_map>

#include "pacing.hpp"

class JsonLinesLogger {
public:
    JsonLinesLogger() : sink_(std::fopen("/dev/null", "w")) {}
    ~JsonLinesLogger() {
        if (sink_) std::fclose(sink_);
    }
    __attribute__((noinline)) void log(long request, const std::string& user, std::size_t bytes) {
        buffer_ += "{\"request\":" + std::to_string(request) + ",\"user\":\"" + user + "\",\"bytes\":" +
                   std::to_string(bytes) + "}\n";
        if (++lines_ % 100 == 0) {
            if (sink_) std::fwrite(buffer_.data(), 1, buffer_.size(), sink_);
            buffer_.clear();  // the buffer's capacity is kept: bounded
        }
    }

private:
    std::FILE* sink_;
    std::string buffer_;
    long lines_ = 0;
};

class Service {
public:
    explicit Service(std::mt19937& rng) : rng_(rng) {
        for (int s = 0; s < 2000; ++s) sessions_["user-" + std::to_string(s)] = payload();
        for (int c = 0; c < 500; ++c) cache_[c] = payload();
    }
    __attribute__((noinline)) void handle(long request) {
        const std::string user = "user-" + std::to_string(rng_() % 2000);
        sessions_[user] = payload();
        cache_[static_cast<int>(rng_() % 500)] = payload();
        std::string response(4000 + rng_() % 60000, 'r');  // a temporary response body
        logger_.log(request, user, response.size());
    }

private:
    std::string payload() { return std::string(500 + rng_() % 3000, static_cast<char>('a' + rng_() % 26)); }
    std::mt19937& rng_;
    std::map<std::string, std::string> sessions_;
    std::unordered_map<int, std::string> cache_;
    JsonLinesLogger logger_;
};

int main(int argc, char** argv) {
    std::mt19937 rng(7);
    Service service(rng);
    pattern::every(0.005, pattern::run_seconds(argc, argv, 14), [&](long i, double) {
        for (int k = 0; k < 4; ++k) service.handle(i * 4 + k);
    });
}
