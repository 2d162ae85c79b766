#include "watch/metrics_server.hpp"

#include <httplib.h>

#include <charconv>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace leakscope::watch {

ListenAddress parse_listen_address(const std::string& text) {
    ListenAddress address;
    std::string port_text = text;
    if (const auto colon = text.rfind(':'); colon != std::string::npos) {
        std::string host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        if (!host.empty()) address.host = host;
    }
    int port = -1;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 0 || port > 65535)
        throw std::invalid_argument("--metrics: '" + text + "' is not [HOST:]PORT (example: 127.0.0.1:9464)");
    address.port = port;
    return address;
}

struct MetricsServer::Impl {
    httplib::Server server;
    std::mutex mutex;
    std::string page = "# leakscope watch: first cycle not finished yet\n";
    std::thread thread;
    int port = 0;
};

MetricsServer::MetricsServer(const ListenAddress& address) : impl_(std::make_unique<Impl>()) {
    auto& s = impl_->server;
    // Scrapes are rare and small: two threads are plenty, instead of httplib's default pool.
    s.new_task_queue = [] { return new httplib::ThreadPool(2); };
    s.set_read_timeout(std::chrono::seconds(10));
    s.Get("/metrics", [impl = impl_.get()](const httplib::Request&, httplib::Response& response) {
        std::string page;
        {
            std::lock_guard lock(impl->mutex);
            page = impl->page;
        }
        response.set_content(page, "text/plain; version=0.0.4; charset=utf-8");
    });
    s.Get("/", [](const httplib::Request&, httplib::Response& response) {
        response.set_content("leakscope watch: the metrics are at /metrics\n", "text/plain; charset=utf-8");
    });
    if (address.port == 0) {
        impl_->port = s.bind_to_any_port(address.host);
        if (impl_->port <= 0) throw std::runtime_error("--metrics: cannot listen on " + address.host + " (any port)");
    } else {
        if (!s.bind_to_port(address.host, address.port))
            throw std::runtime_error("--metrics: cannot listen on " + address.host + ":" + std::to_string(address.port) +
                                     " (in use, or not an address of this machine)");
        impl_->port = address.port;
    }
    impl_->thread = std::thread([impl = impl_.get()] { impl->server.listen_after_bind(); });
}

MetricsServer::~MetricsServer() {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
}

void MetricsServer::publish(std::string page) {
    std::lock_guard lock(impl_->mutex);
    impl_->page = std::move(page);
}

int MetricsServer::port() const { return impl_->port; }

}  // namespace leakscope::watch
