// Passes the target's output through unchanged while counting the lines that match --events-regex,
// so rates can be given per event (request, cycle, step) without changing the program.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>

namespace leakscope::launch {

class OutputRelay {
public:
    /// `pattern` is an ECMAScript regex searched in each line; empty counts nothing.
    explicit OutputRelay(const std::string& pattern);

    /// Copies whatever is readable on `from` (non-blocking) to `to`; returns false at end of file.
    bool relay(int from, int to);
    /// Counts a final line that had no newline (call once the stream is closed).
    void finish();
    std::uint64_t events() const { return events_; }

private:
    void consume(const char* data, std::size_t size, std::string& pending);
    void count_line(const std::string& line);

    std::optional<std::regex> regex_;
    std::string pending_stdout_, pending_stderr_;
    std::uint64_t events_ = 0;
    int last_from_ = -1;
};

}  // namespace leakscope::launch
