#include "compare/command_support.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "util/output_file.hpp"

namespace leakscope::compare {

void write_text_file(const std::string& path, const std::string& what, const std::string& text) {
    if (path.empty()) return;
    if (path == "-") {
        std::cout << text;
        std::cout.flush();
        return;
    }
    try {
        util::write_output_file(path, text);  // no symlinks followed, replaced whole, mode 0600
    } catch (const util::OutputError& e) {
        throw std::runtime_error("cannot write the " + what + " to " + e.path() + ": " + e.reason());
    }
}

std::optional<double> parse_fraction(const std::string& text) {
    if (text.empty()) return std::nullopt;
    const bool percent = text.back() == '%';
    const std::string number = percent ? text.substr(0, text.size() - 1) : text;
    try {
        std::size_t used = 0;
        double value = std::stod(number, &used);
        if (used != number.size() || !std::isfinite(value) || value < 0) return std::nullopt;
        return percent ? value / 100.0 : value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace leakscope::compare
