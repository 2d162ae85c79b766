// A leak across a thread pool in thread_local storage (written in session 6 as a held-out check, never
// tuned on): an API server's four workers take tasks from a shared queue; each worker renders the
// response into a std::string and, "for the crash dump", moves a copy into a thread_local
// std::vector<std::string> that nothing ever clears. The dispatcher queues 400 tasks a second (about
// 100 per worker). Beside it the server holds a 12 MB template cache loaded at start.
// Truth: a leak, linear, spread over four threads. Each task keeps its 480-character response (481
// bytes asked of malloc) plus its 32-byte slot in the vector (whose capacity doubles, in steps per
// thread that average out): 400 x (481 + 32) = 205,200 B/s, ~2.9 MB over 14 s on ~13 MB (about 20%
// of the process). The kept strings are all allocated in render_response.
// Usage: thread_local_trace_leak SECONDS
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

struct Task {
    long id;
    int route;
};

// The bug: kept per thread for a crash dump that is written only on a crash, never trimmed.
thread_local std::vector<std::string> t_recent_responses;

__attribute__((noinline)) std::string render_response(const Task& task, const std::string& tmpl) {
    std::string body;
    body.reserve(480);
    body.append("{\"id\":").append(std::to_string(task.id)).append(",\"route\":").append(std::to_string(task.route));
    body.append(",\"body\":\"");
    body.append(tmpl, 0, 480 - body.size() - 2);
    body.append("\"}");
    return body;  // exactly 480 characters
}

void worker(pattern::WorkQueue<Task>& queue, const std::vector<std::string>& templates, std::atomic<long>& bytes) {
    Task task;
    while (queue.pop(task)) {
        std::string response = render_response(task, templates[static_cast<std::size_t>(task.route) % templates.size()]);
        bytes += static_cast<long>(response.size());
        t_recent_responses.push_back(std::move(response));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    // 12 MB of templates, loaded once (3,000 x 4,000 characters).
    std::vector<std::string> templates;
    for (int k = 0; k < 3000; ++k) templates.emplace_back(4000, static_cast<char>('a' + k % 26));
    pattern::WorkQueue<Task> queue;
    std::atomic<long> bytes{0};
    std::vector<std::thread> workers;
    for (int w = 0; w < 4; ++w) workers.emplace_back(worker, std::ref(queue), std::cref(templates), std::ref(bytes));
    // 100 ticks a second, 4 tasks each.
    pattern::every(0.01, seconds, [&](long i, double) {
        for (int k = 0; k < 4; ++k) queue.push(Task{i * 4 + k, static_cast<int>((i * 4 + k) * 31 % 3000)});
    });
    queue.close();
    for (auto& t : workers) t.join();
    std::printf("%ld bytes served\n", bytes.load());
    return 0;
}
