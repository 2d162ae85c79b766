// Passes the target's output through unchanged while counting the lines that match --events-regex,
// so rates can be given per event (request, cycle, step) without changing the program; and takes the
// Go runtime's collection reports (GODEBUG=gctrace=1, which leakscope sets for a Go program) out of its
// stderr, so the program's output is what it would be without leakscope.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "runtime/go_gc_trace.hpp"

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

    /// Reads the stderr lines that are exactly Go's gctrace lines as collections; `swallow`: leaves them
    /// out of what is passed on (leakscope asked for them, the program did not). A beginning of a line
    /// that may still become one ("gc 12 @3.") is held back until its end, other lines pass at once.
    void read_go_gc_trace(bool swallow);
    /// The latest collection read, and how many were read.
    const std::optional<runtime::GoCollection>& last_go_collection() const { return last_go_collection_; }
    std::uint64_t go_collections_read() const { return go_collections_read_; }
    /// A collection numbered at or below one read before: a second Go process reports on the same stderr
    /// (a child, an exec'd Go program), and which heap a line measures can no longer be told. Stays set.
    bool go_collections_mixed() const { return go_collections_mixed_; }

private:
    void consume(const char* data, std::size_t size, std::string& pending);
    void count_line(const std::string& line);
    /// stderr's bytes with the gctrace lines read (and taken out when swallowing): what to pass on.
    std::string filter_stderr(const char* data, std::size_t size);
    /// A whole line held back: a collection, or the program's own line to pass on.
    void end_held_line(std::string& out, bool newline);

    std::unique_ptr<re2::RE2> regex_;
    std::string pending_stdout_, pending_stderr_;
    std::uint64_t events_ = 0;
    int last_from_ = -1;

    bool read_gc_trace_ = false, swallow_gc_trace_ = false;
    std::string held_stderr_;              ///< the start of a stderr line that may be a gctrace line
    bool stderr_line_passing_ = false;     ///< the current stderr line is the program's: passed on as it comes
    std::optional<runtime::GoCollection> last_go_collection_;
    std::uint64_t go_collections_read_ = 0;
    bool go_collections_mixed_ = false;
};

}  // namespace leakscope::launch
