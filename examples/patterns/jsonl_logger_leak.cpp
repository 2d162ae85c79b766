// A leak in a JSON-lines logger (the network-detector case): a flow monitor holds a 60 MB flow table,
// and its logger formats one JSON line per event; a "replay buffer" meant to keep the last 1000 lines
// for a reconnecting collector never drops any (the trim compares against the wrong counter).
// 1000 events a second, each line exactly 250 bytes (a 251-byte buffer) plus its 32-byte std::string in
// the deque: ~283,000 B/s, still reachable, so AddressSanitizer reports nothing.
// Truth: a leak, linear, ~283,000 B/s after a 60 MB warm-up; top site JsonLinesLogger::log.
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "pacing.hpp"

class JsonLinesLogger {
public:
    __attribute__((noinline)) void log(long event, int flow) {
        char line[251];
        const int n = std::snprintf(line, sizeof line, "{\"event\":%012ld,\"flow\":%08d,\"verdict\":\"allow\",\"pad\":\"", event, flow);
        std::string text;
        text.reserve(250);
        text.append(line, static_cast<std::size_t>(n));
        text.append(249 - text.size(), 'x');
        text += '\n';
        replay_.push_back(std::move(text));
        ++written_;
        if (replay_.size() > 1000 && dropped_ > 1000) replay_.pop_front();  // bug: dropped_ never grows
    }

private:
    std::deque<std::string> replay_;
    long written_ = 0;
    long dropped_ = 0;
};

int main(int argc, char** argv) {
    std::vector<std::vector<char>> flows(60'000, std::vector<char>(1000, 1));  // 60 MB flow table
    JsonLinesLogger logger;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double) {
        for (int k = 0; k < 10; ++k) logger.log(i * 10 + k, static_cast<int>((i * 10 + k) % flows.size()));
    });
}
