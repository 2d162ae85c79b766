// Prometheus' answer to a range query read as it arrives: the HTTP client pushes chunks in, a SAX
// parser on another thread pulls them out and builds the series directly. Neither the whole body
// (~25 MB for 100 series of 10,000 points) nor a JSON tree of it (several times that) is ever held.
#pragma once

#include <condition_variable>
#include <deque>
#include <istream>
#include <mutex>
#include <streambuf>
#include <string>
#include <vector>

#include "fleet/prometheus_client.hpp"

namespace leakscope::fleet {

/// A stream buffer fed from another thread: push() (the receiving thread) hands over chunks, at most
/// kMaxChunks waiting; underflow() (the parsing thread) waits for the next. close() ends the input;
/// abandon() (the parser gave up) makes push() return false so the transfer is cancelled.
class ChunkStream : public std::streambuf {
public:
    static constexpr std::size_t kMaxChunks = 64;
    bool push(const char* data, std::size_t size);
    void close();
    void abandon();

protected:
    int_type underflow() override;

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> chunks_;
    std::string current_;
    bool closed_ = false, abandoned_ = false;
};

/// What a query_range answer said: the series (status "success", a matrix) or Prometheus' error.
struct MatrixAnswer {
    std::string status;
    std::string result_type;
    std::string error_type, error;
    std::vector<RangeSeries> series;
};

/// Parses the answer from `in` without building a JSON tree. Throws std::runtime_error when it is
/// not JSON (the message says where).
MatrixAnswer parse_matrix(std::istream& in);

}  // namespace leakscope::fleet
