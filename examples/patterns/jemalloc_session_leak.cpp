// A leak under jemalloc (run with LD_PRELOAD of Debian's libjemalloc2, see the manifest): a chat
// server keeps every closed session's transcript in a std::map "until archived", and the archiver is
// never started. 200 sessions a second, 2000 bytes of transcript each: 400,000 B/s. jemalloc, not
// glibc, serves the memory (its own arenas and extents), so glibc's statistics say nothing about it.
// Truth: a leak, linear, 400,000 B/s; top site TranscriptStore::keep.
#include <map>
#include <string>

#include "pacing.hpp"

class TranscriptStore {
public:
    __attribute__((noinline)) void keep(long session) {
        transcripts_.emplace(session, std::string(2000, static_cast<char>('a' + session % 26)));
    }

private:
    std::map<long, std::string> transcripts_;
};

int main(int argc, char** argv) {
    TranscriptStore store;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 14), [&](long i, double) {
        store.keep(2 * i);
        store.keep(2 * i + 1);
    });
}
