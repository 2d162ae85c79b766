#include "fleet/matrix_stream.hpp"

#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace leakscope::fleet {

bool ChunkStream::push(const char* data, std::size_t size) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return chunks_.size() < kMaxChunks || abandoned_; });
    if (abandoned_) return false;
    chunks_.emplace_back(data, size);
    changed_.notify_all();
    return true;
}

void ChunkStream::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
}

void ChunkStream::abandon() {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    chunks_.clear();
    changed_.notify_all();
}

ChunkStream::int_type ChunkStream::underflow() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !chunks_.empty() || closed_ || abandoned_; });
    if (chunks_.empty()) return traits_type::eof();
    current_ = std::move(chunks_.front());
    chunks_.pop_front();
    changed_.notify_all();
    setg(current_.data(), current_.data(), current_.data() + current_.size());
    return traits_type::to_int_type(current_.front());
}

namespace {

using nlohmann::json;

/// The parts of {"status", "errorType", "error", "data": {"resultType", "result": [{"metric": {...},
/// "values": [[t, "v"], ...]}, ...]}} that matter; anything else (warnings, infos) is skipped.
class MatrixSax : public nlohmann::json_sax<json> {
public:
    explicit MatrixSax(MatrixAnswer& answer) : answer_(answer) {}

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t v) override { return number(static_cast<double>(v)); }
    bool number_unsigned(number_unsigned_t v) override { return number(static_cast<double>(v)); }
    bool number_float(number_float_t v, const string_t&) override { return number(v); }
    bool binary(binary_t&) override { return scalar(); }

    bool string(string_t& s) override {
        const std::size_t depth = path_.size();
        if (depth == 1 && key_ == "status") answer_.status = s;
        else if (depth == 1 && key_ == "errorType") answer_.error_type = s;
        else if (depth == 1 && key_ == "error") answer_.error = s;
        else if (depth == 2 && in_data() && key_ == "resultType") answer_.result_type = s;
        else if (depth == 5 && in_metric()) answer_.series.back().labels[key_] = s;
        else if (depth == 6 && in_point() && point_field_ == 1) {
            // Prometheus writes sample values as strings ("123.5", "NaN", "+Inf"); non-finite ones are dropped.
            char* end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            auto& series = answer_.series.back();
            if (end != s.c_str() && std::isfinite(v) && std::isfinite(point_time_)) {
                series.t_s.push_back(point_time_);
                series.value.push_back(v);
            }
        }
        ++point_field_;
        return true;
    }

    bool start_object(std::size_t) override {
        path_.push_back({true, key_});
        if (path_.size() == 4 && in_result()) answer_.series.emplace_back();
        key_.clear();
        return true;
    }
    bool key(string_t& k) override {
        key_ = k;
        return true;
    }
    bool end_object() override { return end(); }
    bool start_array(std::size_t) override {
        path_.push_back({false, key_});
        point_field_ = 0;
        point_time_ = NAN;
        return true;
    }
    bool end_array() override { return end(); }

    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
        throw std::runtime_error("at byte " + std::to_string(position) + ": " + e.what());
    }

private:
    struct Level {
        bool object;
        std::string key;  ///< the key it is the value of, in its parent object
    };
    bool in_data() const { return path_[1].object && path_[1].key == "data"; }
    bool in_result() const { return in_data() && !path_[2].object && path_[2].key == "result"; }
    bool in_metric() const { return path_.size() >= 5 && in_result() && path_[4].object && path_[4].key == "metric"; }
    bool in_point() const { return path_.size() >= 6 && in_result() && !path_[4].object && path_[4].key == "values"; }
    bool number(double v) {
        if (path_.size() == 6 && in_point() && point_field_ == 0) point_time_ = v;
        ++point_field_;
        return true;
    }
    bool scalar() {
        ++point_field_;
        return true;
    }
    bool end() {
        key_ = path_.back().key;
        path_.pop_back();
        return true;
    }

    MatrixAnswer& answer_;
    std::vector<Level> path_;
    std::string key_;
    std::size_t point_field_ = 0;
    double point_time_ = NAN;
};

}  // namespace

MatrixAnswer parse_matrix(std::istream& in) {
    MatrixAnswer answer;
    MatrixSax sax(answer);
    json::sax_parse(in, &sax);
    return answer;
}

}  // namespace leakscope::fleet
