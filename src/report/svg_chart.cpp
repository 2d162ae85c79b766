#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/human_units.hpp"
#include "report/markup_escape.hpp"

namespace leakscope::report::svg {

double Scale::operator()(double value) const {
    double span = domain_hi - domain_lo;
    if (span == 0) return (range_lo + range_hi) / 2;
    return range_lo + (value - domain_lo) / span * (range_hi - range_lo);
}

double nice_step(double span, int target) {
    if (!(span > 0) || target < 1) return 1;
    double raw = span / target;
    double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double multiple : {1.0, 2.0, 5.0, 10.0})
        if (multiple * power >= raw) return multiple * power;
    return 10 * power;
}

namespace {

/// "1.5" / "200" / "0.25": as few decimals as the step needs.
std::string tick_number(double value, double step) {
    int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    decimals = std::clamp(decimals, 0, 4);
    if (std::fabs(value) < step * 1e-6) value = 0;  // no "-0"
    return fmt::format("{:.{}f}", value, decimals);
}

std::vector<double> steps_between(double lo, double hi, double step) {
    std::vector<double> values;
    if (!(step > 0) || !std::isfinite(lo) || !std::isfinite(hi)) return values;
    double first = std::ceil(lo / step - 1e-9) * step;
    for (double v = first; v <= hi + step * 1e-9 && values.size() < 100; v += step) values.push_back(v);
    return values;
}

}  // namespace

std::vector<Tick> byte_ticks(double lo, double hi, int target) {
    ByteUnit unit = byte_unit_for(std::max(std::fabs(lo), std::fabs(hi)));
    return byte_ticks_with_step(lo, hi, nice_step((hi - lo) / unit.divisor, target) * unit.divisor);
}

std::vector<Tick> byte_ticks_with_step(double lo, double hi, double step_bytes) {
    if (!(step_bytes > 0)) return byte_ticks(lo, hi);
    ByteUnit unit = byte_unit_for(std::max(std::fabs(lo), std::fabs(hi)));
    double step = step_bytes / unit.divisor;
    std::vector<Tick> ticks;
    for (double v : steps_between(lo / unit.divisor, hi / unit.divisor, step)) {
        std::string label = v == 0 ? "0" : fmt::format("{} {}", tick_number(v, step), unit.name);
        ticks.push_back({v * unit.divisor, label});
    }
    return ticks;
}

std::vector<Tick> time_ticks(double lo, double hi, int target) {
    double span = hi - lo;
    struct Unit {
        double seconds;
        const char* name;
    };
    Unit unit = span < 180 ? Unit{1, "s"} : span < 3 * 3600 ? Unit{60, "min"} : span < 3 * 86400 ? Unit{3600, "h"} : Unit{86400, "d"};
    // Steps that read naturally in each unit (quarter hours, not 0.2 h).
    static constexpr double kSeconds[] = {0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600,
                                          900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800,
                                          1209600, 2592000};
    double step = kSeconds[std::size(kSeconds) - 1];
    for (double candidate : kSeconds) {
        if (candidate >= unit.seconds / 4 && span / candidate <= target) {
            step = candidate;
            break;
        }
    }
    std::vector<Tick> ticks;
    for (double v : steps_between(lo, hi, step)) {
        std::string label = v == 0 ? "0" : fmt::format("{} {}", tick_number(v / unit.seconds, step / unit.seconds), unit.name);
        ticks.push_back({v, label});
    }
    return ticks;
}

std::vector<Tick> count_ticks(double lo, double hi, int target) {
    double step = nice_step(hi - lo, target);
    std::vector<Tick> ticks;
    for (double v : steps_between(lo, hi, step)) {
        double magnitude = std::max(std::fabs(hi), std::fabs(lo));
        std::string label = v == 0 ? std::string("0")
                            : magnitude >= 1e6 ? tick_number(v / 1e6, step / 1e6).append("M")
                            : magnitude >= 1e4 ? tick_number(v / 1e3, step / 1e3).append("k")
                                               : tick_number(v, step);
        ticks.push_back({v, std::move(label)});
    }
    return ticks;
}

Range memory_range(double data_lo, double data_hi) {
    if (!std::isfinite(data_lo) || !std::isfinite(data_hi)) return {0, 1, 0};
    if (data_hi <= 0) return {std::min(data_lo, 0.0), 1, 0};
    double lo = data_lo, hi = data_hi;
    if (lo < 0.35 * hi) lo = std::min(0.0, lo);
    double span = std::max(hi - lo, 0.1 * hi);
    if (lo > 0) lo = std::max(0.0, hi - span - 0.05 * span);
    hi = hi + 0.05 * span;
    // Round outwards to the tick step so the top and bottom lines carry labels.
    ByteUnit unit = byte_unit_for(hi);
    double step = nice_step((hi - lo) / unit.divisor, 5) * unit.divisor;
    return {std::floor(lo / step) * step, std::ceil(hi / step) * step, step};
}

std::string coord(double value) {
    if (!std::isfinite(value)) return "0";
    double rounded = std::round(value * 10) / 10;
    if (rounded == std::floor(rounded)) return fmt::format("{:.0f}", rounded);
    return fmt::format("{:.1f}", rounded);
}

std::string line_path(const std::vector<double>& x, const std::vector<double>& y, const Scale& sx, const Scale& sy) {
    std::string path;
    path.reserve(x.size() * 14);
    bool pen_down = false;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (!std::isfinite(y[i]) || !std::isfinite(x[i])) {
            pen_down = false;
            continue;
        }
        path += pen_down ? 'L' : 'M';
        path += coord(sx(x[i]));
        path += ' ';
        path += coord(sy(y[i]));
        pen_down = true;
    }
    return path;
}

std::string area_path(const std::vector<double>& x, const std::vector<double>& lower,
                      const std::vector<double>& upper, const Scale& sx, const Scale& sy) {
    std::vector<std::size_t> kept;
    for (std::size_t i = 0; i < x.size() && i < lower.size() && i < upper.size(); ++i)
        if (std::isfinite(x[i]) && std::isfinite(lower[i]) && std::isfinite(upper[i])) kept.push_back(i);
    if (kept.empty()) return {};
    std::string path;
    path.reserve(kept.size() * 28);
    bool first = true;
    for (std::size_t i : kept) {
        path += first ? 'M' : 'L';
        first = false;
        path += coord(sx(x[i])) + ' ' + coord(sy(upper[i]));
    }
    for (auto it = kept.rbegin(); it != kept.rend(); ++it) path += 'L' + coord(sx(x[*it])) + ' ' + coord(sy(lower[*it]));
    path += 'Z';
    return path;
}

void open_svg(std::ostream& out, const Frame& frame, std::string_view id, std::string_view label) {
    fmt::print(out,
               "<svg id=\"{}\" class=\"chart\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\" "
               "xmlns=\"http://www.w3.org/2000/svg\" data-plot-left=\"{}\" data-plot-right=\"{}\">\n",
               id, coord(frame.width), coord(frame.height), escape_markup(label), coord(frame.plot_left()),
               coord(frame.plot_right()));
}

void write_axes(std::ostream& out, const Frame& frame, const Scale& sx, const Scale& sy,
                const std::vector<Tick>& x_ticks, const std::vector<Tick>& y_ticks, std::string_view x_caption,
                std::string_view y_caption, const std::optional<RightAxis>& right) {
    out << "<g class=\"axes\">\n";
    for (const auto& tick : y_ticks) {
        std::string y = coord(sy(tick.value));
        fmt::print(out, "<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", coord(frame.plot_left()),
                   coord(frame.plot_right()), y, y);
        fmt::print(out, "<text class=\"tick y\" x=\"{}\" y=\"{}\">{}</text>\n", coord(frame.plot_left() - 6), y,
                   escape_markup(tick.label));
    }
    for (const auto& tick : x_ticks) {
        std::string x = coord(sx(tick.value));
        fmt::print(out, "<line class=\"tickmark\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", x, x,
                   coord(frame.plot_bottom()), coord(frame.plot_bottom() + 4));
        fmt::print(out, "<text class=\"tick x\" x=\"{}\" y=\"{}\">{}</text>\n", x, coord(frame.plot_bottom() + 16),
                   escape_markup(tick.label));
    }
    if (right) {
        for (const auto& tick : right->ticks)
            fmt::print(out, "<text class=\"tick y2\" x=\"{}\" y=\"{}\">{}</text>\n", coord(frame.plot_right() + 6),
                       coord(right->scale(tick.value)), escape_markup(tick.label));
        fmt::print(out, "<text class=\"caption y2\" transform=\"translate({} {}) rotate(90)\">{}</text>\n",
                   coord(frame.width - 8), coord((frame.plot_top() + frame.plot_bottom()) / 2),
                   escape_markup(right->caption));
    }
    fmt::print(out, "<line class=\"axis\" x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\"/>\n", coord(frame.plot_left()),
               coord(frame.plot_right()), coord(frame.plot_bottom()));
    fmt::print(out, "<text class=\"caption x\" x=\"{}\" y=\"{}\">{}</text>\n", coord(frame.plot_right()),
               coord(frame.height - 2), escape_markup(x_caption));
    fmt::print(out, "<text class=\"caption y\" transform=\"translate(12 {}) rotate(-90)\">{}</text>\n",
               coord((frame.plot_top() + frame.plot_bottom()) / 2), escape_markup(y_caption));
    out << "</g>\n";
}

}  // namespace leakscope::report::svg
