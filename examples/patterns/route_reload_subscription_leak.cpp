// A leak in steps (written in session 12 by the lead as a first-run check; in the tuning set since
// its author tunes the engine): an HTTP router reloads its route table every 1.5 s. Each reload
// builds 300 RouteState objects (make_shared, each with a 1 KiB match table) and subscribes a
// handler for every route to the configuration bus (std::function capturing the shared_ptr). The
// subscription token that would unsubscribe the old handlers is dropped, so the bus keeps every
// generation's handlers and the states they hold. Request traffic (2,000 a second, short-lived
// strings and vectors on two threads) churns beside it.
// Truth: a leak in steps: ~300 x (1,024 + ~90 control block and state + 32 std::function storage)
// = ~345 KB every 1.5 s, ~230 kB/s on average (plus the bus vector's doublings), ~3 MB over 14 s on a
// ~5 MB process. The states are all allocated in Router::reload.
// Usage: route_reload_subscription_leak SECONDS
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "pacing.hpp"

namespace {

struct RouteState {
    std::string prefix;
    std::vector<unsigned char> match_table;
    long hits = 0;
};

class ConfigBus {
public:
    using Handler = std::function<void(const std::string&)>;
    /// Returns the token that unsubscribes the handler.
    std::size_t subscribe(Handler handler) {
        std::lock_guard lock(mutex_);
        handlers_.push_back(std::move(handler));
        return handlers_.size() - 1;
    }
    void publish(const std::string& key) {
        std::lock_guard lock(mutex_);
        if (!handlers_.empty()) handlers_[key.size() % handlers_.size()](key);
    }
    std::size_t size() {
        std::lock_guard lock(mutex_);
        return handlers_.size();
    }

private:
    std::mutex mutex_;
    std::vector<Handler> handlers_;
};

class Router {
public:
    explicit Router(ConfigBus& bus) : bus_(bus) {}
    __attribute__((noinline)) void reload(int generation) {
        std::vector<std::shared_ptr<RouteState>> routes;
        for (int k = 0; k < 300; ++k) {
            auto state = std::make_shared<RouteState>();
            state->prefix = "/api/v" + std::to_string(generation % 3) + "/r" + std::to_string(k);
            state->match_table.resize(1024);
            pattern::touch(state->match_table.data(), state->match_table.size());
            // The bug: the token is dropped, the old generation's handlers are never unsubscribed.
            bus_.subscribe([state](const std::string& key) { state->hits += static_cast<long>(key.size()); });
            routes.push_back(std::move(state));
        }
        std::lock_guard lock(mutex_);
        routes_ = std::move(routes);
    }
    long route(const std::string& path) {
        std::lock_guard lock(mutex_);
        if (routes_.empty()) return 0;
        const auto& state = routes_[path.size() * 31 % routes_.size()];
        return ++state->hits;
    }

private:
    ConfigBus& bus_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<RouteState>> routes_;
};

void serve(Router& router, double seconds, unsigned seed) {
    std::atomic<long> served{0};
    pattern::every(0.01, seconds, [&](long i, double) {
        for (int k = 0; k < 10; ++k) {
            std::string path = "/api/v1/r" + std::to_string((i * 10 + k + seed) % 300) + "?session=" + std::to_string(i * 977 + k);
            std::vector<std::string> headers(6, std::string(40 + k, 'h'));
            served += router.route(path) + static_cast<long>(headers.size());
        }
    });
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 14);
    ConfigBus bus;
    Router router(bus);
    router.reload(0);
    std::thread a(serve, std::ref(router), seconds, 1u), b(serve, std::ref(router), seconds, 2u);
    int generation = 0;
    pattern::every(1.5, seconds, [&](long, double) {
        router.reload(++generation);
        bus.publish("routes.reloaded");
    });
    a.join();
    b.join();
    std::printf("%d reloads, %zu handlers subscribed\n", generation, bus.size());
    return 0;
}
