// A leak of std::shared_ptr cycles in an observer graph (written in session 6 as a held-out check,
// never tuned on): a market-data dashboard server opens 100 viewer sessions a second. Each session
// makes a Feed (the subject) and three Widgets (its observers); the Feed holds its observers by
// shared_ptr and every Widget holds its Feed by shared_ptr, so the four objects form a cycle that only
// Session::close() breaks (Feed::clear()). Sessions live for about half a second. One session in ten
// ends because the client vanished, and that path drops the Session without close(): its cycle keeps
// all four objects alive, unreachable from the program but never freed (reference counts never reach
// zero). Beside it the server keeps a 40 MB instrument table built at start, so the leak is slow next
// to the process: ~460 kB over 14 s on ~41 MB, about 1.1% of the process.
// Truth: a leak, linear, 10 leaked sessions a second. Per leaked session (libstdc++, x86-64, bytes
// asked of malloc): the Feed's make_shared block 72 (16 control + 32 string + 24 vector), its observer
// vector reserved for 3 (48), and per Widget a make_shared block 56 (16 control + 16 shared_ptr + 24
// vector) plus its 1,000-byte view buffer: 72 + 48 + 3 x 1,056 = 3,288 B, so 32,880 B/s. Every leaked
// byte is allocated under Dashboard::open_session; 91% of them (the view buffers) in Widget::Widget,
// the top site.
// Usage: observer_cycle_leak SECONDS
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "pacing.hpp"

namespace {

class Widget;

class Feed {
public:
    explicit Feed(std::string symbol) : symbol_(std::move(symbol)) { observers_.reserve(3); }
    void subscribe(std::shared_ptr<Widget> widget) { observers_.push_back(std::move(widget)); }
    void publish(double price);
    // Breaks the cycle: the observers let go of nothing themselves, the subject lets go of them.
    void clear() { observers_.clear(); observers_.shrink_to_fit(); }

private:
    std::string symbol_;  // short enough for the small-string buffer: no allocation of its own
    std::vector<std::shared_ptr<Widget>> observers_;
};

class Widget {
public:
    explicit Widget(std::shared_ptr<Feed> feed) : feed_(std::move(feed)), view_(1000) {}
    void on_price(double price) {
        const auto cents = static_cast<std::uint64_t>(price * 100);
        view_[cents % view_.size()] = static_cast<char>(cents);
    }

private:
    std::shared_ptr<Feed> feed_;  // the back edge of the cycle
    std::vector<char> view_;      // the rendered chart the viewer sees
};

void Feed::publish(double price) {
    for (auto& widget : observers_) widget->on_price(price);
}

struct Session {
    long id;
    std::shared_ptr<Feed> feed;
    // Breaks the cycle so the Feed and its Widgets are freed when the last handle goes.
    void close() { feed->clear(); }
};

class Dashboard {
public:
    __attribute__((noinline)) Session open_session(long id) {
        char symbol[16];
        std::snprintf(symbol, sizeof symbol, "XNAS:%04ld", id % 5000);
        auto feed = std::make_shared<Feed>(symbol);
        for (int w = 0; w < 3; ++w) feed->subscribe(std::make_shared<Widget>(feed));
        return Session{id, std::move(feed)};
    }

    void tick(long i) {
        active_.push_back(open_session(i));
        for (auto& session : active_) session.feed->publish(100.0 + static_cast<double>(i % 977) / 10.0);
        // Sessions last ~0.5 s (50 ticks).
        if (active_.size() > 50) {
            Session& oldest = active_.front();
            // The bug: a session whose client vanished is dropped without close().
            if (oldest.id % 10 != 9) oldest.close();
            active_.pop_front();
        }
    }

private:
    std::deque<Session> active_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    std::vector<std::uint64_t> instruments(5'000'000);  // 40 MB, built once
    for (std::size_t k = 0; k < instruments.size(); ++k) instruments[k] = k * 2654435761u;
    Dashboard dashboard;
    std::uint64_t checksum = 0;
    // 100 ticks a second, one new session each.
    pattern::every(0.01, seconds, [&](long i, double) {
        checksum += instruments[static_cast<std::size_t>(i * 7919) % instruments.size()];
        dashboard.tick(i);
    });
    std::printf("%llu\n", static_cast<unsigned long long>(checksum % 1000));
    return 0;
}
