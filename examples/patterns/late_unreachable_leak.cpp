// A leak that starts mid-run (failure class 1): a request handler parses each request into a 1 KiB
// header block and frees it; after 6 s a "new code path" (a retry branch) forgets the free and drops
// the last pointer. From 6 s on it loses 500 blocks of 1 KiB a second, unreachable.
// Truth: linear leak of 512,000 B/s measured from its onset at 6 s (not averaged over the flat part),
// top site RequestHandler::parse_headers.
#include <cstdlib>
#include <cstring>

#include "pacing.hpp"

class RequestHandler {
public:
    __attribute__((noinline)) char* parse_headers(long request) {
        auto* block = static_cast<char*>(std::malloc(1024));
        std::memset(block, static_cast<int>('A' + request % 26), 1024);
        return block;
    }
    __attribute__((noinline)) void handle(long request, bool retry_path) {
        char* headers = parse_headers(request);
        checksum_ += static_cast<unsigned char>(headers[request % 1024]);
        if (!retry_path) std::free(headers);  // the retry path forgets the free: the pointer is lost
    }
    unsigned long checksum() const { return checksum_; }

private:
    unsigned long checksum_ = 0;
};

int main(int argc, char** argv) {
    RequestHandler handler;
    // 50 ticks a second, 10 requests each: 500 requests a second throughout.
    pattern::every(0.02, pattern::run_seconds(argc, argv, 16), [&](long i, double t) {
        for (int k = 0; k < 10; ++k) handler.handle(i * 10 + k, t >= 6.0);
    });
    return handler.checksum() == 42 ? 1 : 0;
}
