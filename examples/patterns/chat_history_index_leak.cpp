// A leak under a sawtooth (written in session 6 as a held-out check, never tuned on): a chat room
// server keeps recent messages in a std::deque (2,000-byte bodies, 500 a second) and, when the
// history reaches 2,000 messages, truncates it to the newest 1,000: a bounded sawtooth of ~2 MB every
// 2 s. Beside the history it keeps an index from message id to author, for @-mentions, in a
// std::unordered_map<long, std::string> that the truncation forgets to prune: every message adds an
// entry for good. So the sawtooth's floor rises.
// Truth: a leak under a bounded sawtooth. Per message the index keeps a 48-byte node (next pointer,
// key, string) and a 40-byte author string ("user-NNNNNN@chats.eu-west-1.example.org", 39 characters),
// plus its bucket array's share (8 bytes a bucket, one bucket an element, stepping up as it rehashes):
// 500 x 96 = 48,000 B/s, ~0.67 MB over 14 s under teeth of ~2 MB on a ~5 MB process. The leaked
// bytes are allocated in MentionIndex::add.
// Usage: chat_history_index_leak SECONDS
#include <cstdio>
#include <deque>
#include <string>
#include <unordered_map>

#include "pacing.hpp"

namespace {

struct Message {
    long id;
    std::string body;
};

class MentionIndex {
public:
    __attribute__((noinline)) void add(long id, long user) {
        char author[48];
        std::snprintf(author, sizeof author, "user-%06ld@chats.eu-west-1.example.org", user % 1000000);
        authors_.emplace(id, author);
    }
    // What the truncation should call for every message it drops (it never does).
    void forget(long id) { authors_.erase(id); }
    std::size_t size() const { return authors_.size(); }

private:
    std::unordered_map<long, std::string> authors_;
};

class ChatRoom {
public:
    __attribute__((noinline)) void post(long id, long user) {
        history_.push_back(Message{id, std::string(2000, static_cast<char>('a' + id % 26))});
        mentions_.add(id, user);
        if (history_.size() >= 2000) {
            // The bug: the dropped messages stay in the mention index (no mentions_.forget(...)).
            history_.erase(history_.begin(), history_.begin() + 1000);
        }
    }
    std::size_t history() const { return history_.size(); }
    std::size_t indexed() const { return mentions_.size(); }

private:
    std::deque<Message> history_;
    MentionIndex mentions_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    ChatRoom room;
    // 100 ticks a second, 5 messages each.
    pattern::every(0.01, seconds, [&](long i, double) {
        for (long k = 0; k < 5; ++k) room.post(i * 5 + k, (i * 5 + k) * 7919);
    });
    std::printf("%zu in history, %zu indexed\n", room.history(), room.indexed());
    return 0;
}
