#include "launch/output_relay.hpp"

#include <unistd.h>

#include <re2/re2.h>

#include <cerrno>

namespace leakscope::launch {
namespace {

// A line longer than this is matched on its first part: a runaway line must not grow our memory.
constexpr std::size_t kMaxLine = OutputRelay::kMaxMatchedLine;

RE2::Options regex_options() {
    RE2::Options options;
    options.set_log_errors(false);  // errors are reported once, as one line, by the CLI
    return options;
}

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // our own output is gone (closed pipe): keep draining the target regardless
        }
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::optional<std::string> events_regex_error(const std::string& pattern) {
    const RE2 regex(pattern, regex_options());
    if (regex.ok()) return std::nullopt;
    return regex.error();
}

OutputRelay::OutputRelay(const std::string& pattern) {
    if (!pattern.empty()) regex_ = std::make_unique<RE2>(pattern, regex_options());
    if (regex_ && !regex_->ok()) regex_.reset();  // the CLI refused it already; count nothing
}
OutputRelay::~OutputRelay() = default;
OutputRelay::OutputRelay(OutputRelay&&) noexcept = default;
OutputRelay& OutputRelay::operator=(OutputRelay&&) noexcept = default;

bool OutputRelay::relay(int from, int to) {
    char buffer[16384];
    // Each stream keeps its own partial line; stdout and stderr are told apart by their fd.
    std::string& pending = (to == STDERR_FILENO) ? pending_stderr_ : pending_stdout_;
    while (true) {
        const ssize_t n = ::read(from, buffer, sizeof buffer);
        if (n > 0) {
            if (read_gc_trace_ && to == STDERR_FILENO) {
                // The events are counted in what the user sees: a regex that matches "gc" does not count the
                // collection reports leakscope asked for.
                const std::string out = filter_stderr(buffer, static_cast<std::size_t>(n));
                write_all(to, out.data(), out.size());
                consume(out.data(), out.size(), pending);
            } else {
                write_all(to, buffer, static_cast<std::size_t>(n));
                consume(buffer, static_cast<std::size_t>(n), pending);
            }
            if (static_cast<std::size_t>(n) < sizeof buffer) return true;
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

void OutputRelay::consume(const char* data, std::size_t size, std::string& pending) {
    if (!regex_) return;
    for (std::size_t i = 0; i < size; ++i) {
        if (data[i] == '\n') {
            count_line(pending);
            pending.clear();
        } else if (pending.size() < kMaxLine) {
            pending.push_back(data[i]);
        }
    }
}

void OutputRelay::count_line(const std::string& line) {
    if (regex_ && RE2::PartialMatch(line, *regex_)) ++events_;
}

void OutputRelay::read_go_gc_trace(bool swallow) {
    read_gc_trace_ = true;
    swallow_gc_trace_ = swallow;
}

std::string OutputRelay::filter_stderr(const char* data, std::size_t size) {
    std::string out;
    out.reserve(size);
    for (std::size_t i = 0; i < size; ++i) {
        const char c = data[i];
        if (stderr_line_passing_) {
            out.push_back(c);
            if (c == '\n') stderr_line_passing_ = false;
            continue;
        }
        if (c == '\n') {
            end_held_line(out, true);
            continue;
        }
        held_stderr_.push_back(c);
        if (!runtime::may_begin_go_gc_trace_line(held_stderr_)) {
            out += held_stderr_;
            held_stderr_.clear();
            stderr_line_passing_ = true;
        }
    }
    return out;
}

void OutputRelay::end_held_line(std::string& out, bool newline) {
    if (const auto collection = runtime::parse_go_gc_trace_line(held_stderr_)) {
        // One process numbers its collections 1, 2, 3, ... (a line lost to a mixed write skips one).
        if (last_go_collection_ && collection->number <= last_go_collection_->number) go_collections_mixed_ = true;
        last_go_collection_ = collection;
        ++go_collections_read_;
        if (swallow_gc_trace_) {
            held_stderr_.clear();
            return;
        }
    }
    out += held_stderr_;
    if (newline) out.push_back('\n');
    held_stderr_.clear();
}

void OutputRelay::finish() {
    if (!held_stderr_.empty()) {  // the program's last line, without a newline
        std::string out;
        end_held_line(out, false);
        write_all(STDERR_FILENO, out.data(), out.size());
        consume(out.data(), out.size(), pending_stderr_);
    }
    for (std::string* pending : {&pending_stdout_, &pending_stderr_}) {
        if (!pending->empty()) count_line(*pending);
        pending->clear();
    }
}

}  // namespace leakscope::launch
