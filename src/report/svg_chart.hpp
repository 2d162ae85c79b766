// SVG chart primitives the HTML report draws with: scales, "nice" ticks in human units (bytes, time,
// counts), line/area paths, and the axes. No chart library: the report must open from disk offline.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace leakscope::report::svg {

/// Maps a data interval onto a pixel interval (either may be reversed: y grows downwards).
struct Scale {
    double domain_lo = 0, domain_hi = 1, range_lo = 0, range_hi = 1;
    double operator()(double value) const;
};

struct Tick {
    double value = 0;
    std::string label;
};

/// 1, 2 or 5 times a power of ten, so that about `target` steps cover `span`.
double nice_step(double span, int target);

/// Ticks in one decimal byte unit chosen for the range: "0", "200 MB", "400 MB".
std::vector<Tick> byte_ticks(double lo, double hi, int target = 5);
/// The same with a given step in bytes (0: choose one).
std::vector<Tick> byte_ticks_with_step(double lo, double hi, double step);

/// Ticks on seconds since start, in s, min, h or days depending on the span.
std::vector<Tick> time_ticks(double lo, double hi, int target = 8);

/// Ticks on a count (events): "0", "5k", "10k", "1.5M".
std::vector<Tick> count_ticks(double lo, double hi, int target = 5);

/// A y range for memory values: from 0 when the data sit near it, otherwise zoomed in but never so far
/// that noise of a few percent fills the chart (the span stays at least 10% of the top value).
struct Range {
    double lo = 0, hi = 1;
    double step = 0;  ///< tick step the bounds are rounded to; pass to byte_ticks so every bound has a label
};
Range memory_range(double data_lo, double data_hi);

/// The outer size of a chart and the margins around its plot area.
struct Frame {
    double width = 960, height = 320;
    double left = 78, right = 24, top = 14, bottom = 34;
    double plot_left() const { return left; }
    double plot_right() const { return width - right; }
    double plot_top() const { return top; }
    double plot_bottom() const { return height - bottom; }
};

/// "M x y L x y ..." through the points; NaN values break the line into separate pieces.
std::string line_path(const std::vector<double>& x, const std::vector<double>& y, const Scale& sx, const Scale& sy);

/// A closed area between `lower` and `upper` (same x); NaN points are skipped.
std::string area_path(const std::vector<double>& x, const std::vector<double>& lower,
                      const std::vector<double>& upper, const Scale& sx, const Scale& sy);

/// Opens <svg> with a viewBox, so the chart scales to the page width.
void open_svg(std::ostream& out, const Frame& frame, std::string_view id, std::string_view label);

/// Grid lines, tick labels and axis captions; a right axis when `right` is given.
struct RightAxis {
    Scale scale;
    std::vector<Tick> ticks;
    std::string caption;
};
void write_axes(std::ostream& out, const Frame& frame, const Scale& sx, const Scale& sy,
                const std::vector<Tick>& x_ticks, const std::vector<Tick>& y_ticks, std::string_view x_caption,
                std::string_view y_caption, const std::optional<RightAxis>& right = std::nullopt);

/// A number with one decimal and no trailing ".0" (coordinates, to keep the file small).
std::string coord(double value);

}  // namespace leakscope::report::svg
