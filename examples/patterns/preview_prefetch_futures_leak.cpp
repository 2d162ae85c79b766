// A leak through futures nobody waits on (written in session 18 as a held-out check, never tuned on):
// a document service's preview renderer. A front thread takes 400 upload events a second; for each it
// asks a three-thread pool to render the document's preview (an HTML fragment of 2-9 kB) and hands
// the future to the upload's response, which waits on it and drops it. One upload in four is shared
// to a team, and then the service also asks the pool to prefetch the preview in the team's locale, so
// that the CDN is warm when they open it. Nobody reads those results: the prefetch futures are kept
// in `prefetches_`, "so shutdown can wait for them", and only the shutdown path ever clears that
// vector. Each kept future owns its shared state, and the state owns the rendered fragment.
// The pool's queue is drained all the time (the workers keep up), so the queue itself stays small;
// the std::vector of futures doubles its capacity now and then, which is small beside the fragments.
// Truth: a leak, linear, from the start: 100 prefetches a second, each keeping a fragment of 2-9 kB
// (5.5 kB on average, written in full) and a ~80-byte shared state: ~560 kB/s, on a ~12 MB process
// (the 8 MB template set loaded at start). The fragments are allocated in render_preview.
// Measured (session 18, a plain run without leakscope: the process's RSS and glibc's mallinfo2 every
// 100 ms): heap +578 kB/s over 1-16 s (+573 over 2-9 s, +590 over 9-16 s), 8.8 -> 17.4 MB; RSS +597 kB/s
// (12.1 -> 20.9 MB); 6,400 uploads, 1,600 prefetches never read at exit.
// Usage: preview_prefetch_futures_leak SECONDS
#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"
#include "mix.h"

namespace {

// The templates every preview is rendered from: loaded once, shared read-only by the workers.
struct TemplateSet {
    std::vector<std::string> blocks;
    TemplateSet() {
        blocks.reserve(2000);
        for (int i = 0; i < 2000; ++i) blocks.emplace_back(4000, static_cast<char>('a' + i % 26));
    }
};

struct Preview {
    std::uint64_t document = 0;
    std::string locale;
    std::string html;
};

// Renders a document's preview: its size follows the document, so each run renders the same bytes.
__attribute__((noinline)) Preview render_preview(const TemplateSet& templates, std::uint64_t document,
                                                 const char* locale) {
    const std::uint64_t h = mix(document);
    Preview preview;
    preview.document = document;
    preview.locale = locale;
    const std::size_t size = 2000 + h % 7000;
    preview.html.reserve(size);
    const std::string& block = templates.blocks[h % templates.blocks.size()];
    while (preview.html.size() < size)
        preview.html.append(block, 0, std::min(block.size(), size - preview.html.size()));
    return preview;
}

class RenderPool {
public:
    explicit RenderPool(int threads) {
        for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    }
    ~RenderPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        ready_.notify_all();
        for (auto& worker : workers_) worker.join();
    }

    std::future<Preview> submit(std::function<Preview()> job) {
        auto task = std::make_shared<std::packaged_task<Preview()>>(std::move(job));
        std::future<Preview> result = task->get_future();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            queue_.emplace_back([task] { (*task)(); });
        }
        ready_.notify_one();
        return result;
    }

private:
    void work() {
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                job = std::move(queue_.front());
                queue_.pop_front();
            }
            job();
        }
    }

    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

class PreviewService {
public:
    PreviewService() : pool_(3) {}

    // One upload: render its preview for the uploader (waited on), and prefetch the team's locale.
    std::size_t on_upload(std::uint64_t document, bool shared_with_team) {
        std::future<Preview> mine = pool_.submit([this, document] { return render_preview(templates_, document, "en-US"); });
        if (shared_with_team) {
            const char* team_locale = kLocales[mix(document ^ 0x55) % 6];
            prefetches_.push_back(pool_.submit([this, document, team_locale] {
                return render_preview(templates_, document + 1'000'000'000ull, team_locale);
            }));
        }
        return mine.get().html.size();
    }

    // Called from the shutdown hook only: waits for every prefetch so none is cut off mid-render.
    void drain() {
        for (auto& prefetch : prefetches_) prefetch.wait();
        prefetches_.clear();
    }

    std::size_t pending_prefetches() const { return prefetches_.size(); }

private:
    static constexpr const char* kLocales[6] = {"de-DE", "fr-FR", "ja-JP", "pt-BR", "es-ES", "it-IT"};
    TemplateSet templates_;
    RenderPool pool_;
    std::vector<std::future<Preview>> prefetches_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    PreviewService service;
    std::uint64_t uploads = 0, bytes_served = 0;
    // 40 uploads every 100 ms; every fourth upload is shared with a team.
    pattern::every(0.1, seconds, [&](long, double) {
        for (int k = 0; k < 40; ++k, ++uploads) bytes_served += service.on_upload(uploads * 7 + 3, uploads % 4 == 1);
    });
    std::fprintf(stderr, "%llu uploads, %.1f MB of previews served, %zu prefetches never read\n",
                 (unsigned long long)uploads, bytes_served / 1e6, service.pending_prefetches());
    // Leaves as the service does when its supervisor stops it: at once, no destructors (drain() runs only
    // on a configured graceful shutdown, which this deployment does not use).
    std::_Exit(0);
}
