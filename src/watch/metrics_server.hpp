// Serves the latest /metrics page over HTTP (cpp-httplib, from Debian's libcpp-httplib-dev) on its own
// threads; the watch loop publishes a new page every cycle.
#pragma once

#include <memory>
#include <string>

namespace leakscope::watch {

struct ListenAddress {
    std::string host = "127.0.0.1";
    int port = 9464;
};

/// "9464", ":9464" (both loopback), "127.0.0.1:9464", "0.0.0.0:9464", "[::1]:9464". Port 0 picks a
/// free port. Any address other than loopback only when written out. Throws std::invalid_argument.
ListenAddress parse_listen_address(const std::string& text);

class MetricsServer {
public:
    /// Binds now (throws std::runtime_error with one line when it cannot) and serves from a thread.
    explicit MetricsServer(const ListenAddress& address);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;

    void publish(std::string page);
    /// The port bound (the one picked when 0 was asked).
    int port() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::watch
