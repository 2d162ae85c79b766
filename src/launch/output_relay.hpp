// Passes the target's output through unchanged while counting the lines that match --events-regex,
// so rates can be given per event (request, cycle, step) without changing the program.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace re2 {
class RE2;
}

namespace leakscope::launch {

/// Why `pattern` is not a usable --events-regex (RE2 syntax), or nothing when it is.
std::optional<std::string> events_regex_error(const std::string& pattern);

class OutputRelay {
public:
    /// `pattern` is an RE2 regex searched in each line (linear time in the line, whatever the pattern
    /// and the program print: std::regex recursed per character and overflowed the stack on long
    /// lines); empty counts nothing. Lines are matched on their first kMaxMatchedLine bytes.
    explicit OutputRelay(const std::string& pattern);
    ~OutputRelay();
    OutputRelay(OutputRelay&&) noexcept;
    OutputRelay& operator=(OutputRelay&&) noexcept;

    static constexpr std::size_t kMaxMatchedLine = 64 * 1024;

    /// Copies whatever is readable on `from` (non-blocking) to `to`; returns false at end of file.
    bool relay(int from, int to);
    /// Counts a final line that had no newline (call once the stream is closed).
    void finish();
    std::uint64_t events() const { return events_; }

private:
    void consume(const char* data, std::size_t size, std::string& pending);
    void count_line(const std::string& line);

    std::unique_ptr<re2::RE2> regex_;
    std::string pending_stdout_, pending_stderr_;
    std::uint64_t events_ = 0;
    int last_from_ = -1;
};

}  // namespace leakscope::launch
