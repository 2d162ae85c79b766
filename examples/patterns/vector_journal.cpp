// A journal kept in one std::vector (failure class 2): an order book appends a 256-byte record per
// event, 2000 events a second, and never trims the journal. The live records grow at 512,000 B/s, but
// the heap holds the vector's capacity, which doubles: the heap rises in steps (each doubling briefly
// holds old and new buffers), and one call site (the vector's reallocation) holds all of it.
// Truth: a leak (unbounded journal), 512,000 B/s of records; linear or staircase growth are both
// right, since the capacity steps are what the allocator sees. Top site OrderJournal::append.
#include <array>
#include <vector>

#include "pacing.hpp"

struct Record {
    long sequence;
    double price;
    double quantity;
    std::array<char, 232> note;
};
static_assert(sizeof(Record) == 256);

class OrderJournal {
public:
    __attribute__((noinline)) void append(long sequence) {
        Record r{sequence, 100.0 + sequence % 7, 1.0, {}};
        r.note.fill(static_cast<char>('a' + sequence % 26));
        records_.push_back(r);
    }
    std::size_t size() const { return records_.size(); }

private:
    std::vector<Record> records_;
};

int main(int argc, char** argv) {
    OrderJournal journal;
    pattern::every(0.01, pattern::run_seconds(argc, argv, 16), [&](long i, double) {
        for (int k = 0; k < 20; ++k) journal.append(i * 20 + k);
    });
    return journal.size() == 0 ? 1 : 0;
}
