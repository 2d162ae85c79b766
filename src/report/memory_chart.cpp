// The report's main chart: memory over time with the diagnosis drawn on top of it.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/hover_data.hpp"
#include "report/html_sections.hpp"
#include "report/human_units.hpp"
#include "report/fit_line.hpp"
#include "report/markup_escape.hpp"
#include "report/report_labels.hpp"
#include "report/series_view.hpp"
#include "report/svg_chart.hpp"

namespace leakscope::report::html {

namespace {

struct Drawn {
    Gauge gauge;
    const char* css_class;
    const char* name;
    GaugeSeries full;
    GaugeSeries reduced;
};

/// The fits drawn: the one of the series the verdict rests on (each series' diagnosis carries the fit of
/// that series); for fragmentation both RSS's and the heap's, since the point is that they differ.
std::vector<const diagnosis::Diagnosis*> fits_to_draw(const analysis::Analysis& analysis) {
    const auto& p = analysis.process;
    std::vector<const diagnosis::Diagnosis*> fits;
    if (p.metric == "live_heap" && p.live_heap) fits.push_back(&*p.live_heap);
    else if (p.metric == "rss" || p.metric.empty()) fits.push_back(&p.rss);
    else fits.push_back(&p.verdict);
    if (p.verdict.pattern == diagnosis::Pattern::fragmentation) {
        if (fits.front() != &p.rss) fits.push_back(&p.rss);
        if (p.live_heap && fits.front() != &*p.live_heap) fits.push_back(&*p.live_heap);
    }
    return fits;
}

/// "steady-state fit of the live heap (95% band)": the legend says which series the dashed line fits.
std::string fit_legend(const analysis::Analysis& analysis, const std::vector<const diagnosis::Diagnosis*>& fits,
                       bool heap_fit_includes_mapped) {
    const auto& p = analysis.process;
    std::string names;
    for (const auto* fit : fits) {
        std::string_view name = fit == &p.rss ? std::string_view("RSS")
                                : p.live_heap && fit == &*p.live_heap
                                    ? (heap_fit_includes_mapped ? std::string_view("the live heap and mmap'ed together")
                                                                : std::string_view("the live heap"))
                                    : metric_label(p.metric);
        if (!names.empty()) names += " and ";
        names += name;
    }
    return fmt::format("steady-state fit{} of {} (95% band)", fits.size() > 1 ? "s" : "", names);
}

}  // namespace

void write_legend_key(std::ostream& out, const char* css_class, std::string_view name, bool dashed) {
    fmt::print(out, "<span class=\"key\"><i class=\"swatch {}{}\"></i>{}</span>", css_class, dashed ? " dashed" : "",
               escape_markup(name));
}

void write_memory_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& verdict = analysis.process.verdict;
    std::vector<Drawn> drawn;
    const struct {
        Gauge gauge;
        const char* css_class;
        const char* name;
    } kGauges[] = {{Gauge::rss, "rss", "RSS"},
                   {Gauge::pss, "pss", "PSS"},
                   {Gauge::live_heap, "heap", "live heap"},
                   {Gauge::mapped, "mapped", "mmap'ed"}};
    for (const auto& g : kGauges) {
        if (auto series = gauge_series(recording, g.gauge))
            drawn.push_back({g.gauge, g.css_class, g.name, *series, downsample_min_max(*series, kMaxChartPoints)});
    }
    if (drawn.empty() || recording.samples.empty()) {
        out << "<p class=\"empty\">The recording holds no memory samples.</p>\n";
        return;
    }

    double t_lo = recording.samples.front().t_s, t_hi = recording.samples.back().t_s;
    if (t_hi <= t_lo) t_hi = t_lo + 1;
    double v_lo = std::numeric_limits<double>::infinity(), v_hi = -v_lo;
    for (const auto& d : drawn)
        for (std::size_t i = 0; i < d.reduced.value.size(); ++i) {
            v_lo = std::min(v_lo, d.reduced.low[i]);
            v_hi = std::max(v_hi, d.reduced.high[i]);
        }
    // Show the limit when it is close enough to matter; far above, it would flatten everything.
    auto limit = verdict.limit_bytes ? verdict.limit_bytes : analysis.limit_bytes;
    bool limit_on_chart = limit && *limit > 0 && *limit <= 1.6 * v_hi;
    if (limit_on_chart) v_hi = std::max(v_hi, *limit);
    svg::Range range = svg::memory_range(v_lo, v_hi);

    svg::Frame frame;
    auto events = gauge_series(recording, Gauge::events);
    bool events_axis = events && !events->value.empty() && events->value.back() > 0;
    if (events_axis) frame.right = 64;
    svg::Scale sx{t_lo, t_hi, frame.plot_left(), frame.plot_right()};
    svg::Scale sy{range.lo, range.hi, frame.plot_bottom(), frame.plot_top()};

    // Legend first (HTML, so it wraps on narrow screens).
    out << "<div class=\"legend\">";
    for (const auto& d : drawn) write_legend_key(out, d.css_class, d.name);
    std::vector<const diagnosis::Diagnosis*> fits;
    for (const auto* d : fits_to_draw(analysis))
        if (d->pattern != diagnosis::Pattern::insufficient_data && t_hi > d->warmup_end_s) fits.push_back(d);
    const auto drawn_full = [&](Gauge gauge) -> const GaugeSeries* {
        for (const auto& d : drawn)
            if (d.gauge == gauge) return &d.full;
        return nullptr;
    };
    const GaugeSeries* drawn_heap = drawn_full(Gauge::live_heap);
    const std::optional<GaugeSeries> heap_fit_series = drawn_heap ? heap_and_mapped(*drawn_heap, drawn_full(Gauge::mapped)) : std::nullopt;
    if (!fits.empty()) write_legend_key(out, "fit", fit_legend(analysis, fits, heap_fit_series.has_value()), true);
    bool warmup = verdict.warmup_bytes > 0 && verdict.warmup_end_s > t_lo;
    if (warmup) write_legend_key(out, "warmup-key", "warm-up");
    if (events_axis) write_legend_key(out, "events", "events (right axis)", true);
    if (limit_on_chart) write_legend_key(out, "limit", "limit", true);
    out << "</div>\n";

    svg::open_svg(out, frame, "memory-chart", "Memory over time");
    fmt::print(out, "<clipPath id=\"memory-plot\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
               svg::coord(frame.plot_left()), svg::coord(frame.plot_top()),
               svg::coord(frame.plot_right() - frame.plot_left()), svg::coord(frame.plot_bottom() - frame.plot_top()));

    if (warmup) {
        double x1 = sx(std::min(verdict.warmup_end_s, t_hi));
        fmt::print(out, "<rect class=\"warmup\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>", svg::coord(sx(t_lo)),
                   svg::coord(frame.plot_top()), svg::coord(x1 - sx(t_lo)),
                   svg::coord(frame.plot_bottom() - frame.plot_top()));
        fmt::print(out, "<text class=\"region-label\" x=\"{}\" y=\"{}\">warm-up</text>\n", svg::coord(sx(t_lo) + 6),
                   svg::coord(frame.plot_top() + 14));
    }

    std::optional<svg::RightAxis> right;
    svg::Scale s_events;
    if (events_axis) {
        double top = events->value.back();
        for (double v : events->value) top = std::max(top, std::isfinite(v) ? v : 0);
        auto ticks = svg::count_ticks(0, top, 5);
        double axis_top = ticks.empty() ? top : std::max(top, ticks.back().value);
        s_events = {0, axis_top, frame.plot_bottom(), frame.plot_top()};
        right = svg::RightAxis{s_events, ticks, "events (cumulative)"};
    }
    svg::write_axes(out, frame, sx, sy, svg::time_ticks(t_lo, t_hi), svg::byte_ticks_with_step(range.lo, range.hi, range.step),
                    "time since start", "memory", right);

    out << "<g clip-path=\"url(#memory-plot)\">\n";
    // A few change points mark where the behaviour changed; dozens (a sawtooth's every drop) are clutter.
    constexpr std::size_t kMaxChangePoints = 6;
    for (double t : verdict.change_points_s) {
        if (verdict.change_points_s.size() > kMaxChangePoints) break;
        if (t <= t_lo || t >= t_hi) continue;
        fmt::print(out, "<line class=\"change-point\" x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\"/>", svg::coord(sx(t)),
                   svg::coord(frame.plot_top()), svg::coord(frame.plot_bottom()));
    }
    // Merged buckets keep their extremes: shade the range the RSS moved within.
    const auto& rss = drawn.front().reduced;
    bool has_envelope = false;
    for (std::size_t i = 0; i < rss.value.size(); ++i) has_envelope |= rss.high[i] > rss.low[i];
    if (has_envelope)
        fmt::print(out, "<path class=\"envelope rss\" d=\"{}\"/>\n", svg::area_path(rss.t_s, rss.low, rss.high, sx, sy));

    // The series each fit was made of, to place its line on (the JVM heap's verdict is not drawn here).
    const auto fitted_series = [&](const diagnosis::Diagnosis* fit) -> const GaugeSeries* {
        const auto& p = analysis.process;
        if (fit == &p.rss) return drawn_full(Gauge::rss);
        if (p.live_heap && fit == &*p.live_heap) return heap_fit_series ? &*heap_fit_series : drawn_heap;
        return nullptr;
    };
    std::vector<FitLine> placed;
    for (const auto* fit : fits) placed.push_back(place_fit(*fit, fitted_series(fit), t_lo));
    for (std::size_t k = 0; k < fits.size(); ++k) {
        const auto* fit = fits[k];
        const double t0 = placed[k].t0_s, y0 = placed[k].y0_bytes;
        std::vector<double> xs{t0, t_hi};
        auto at = [&](double rate) { return std::vector<double>{y0, y0 + rate * (t_hi - t0)}; };
        // The band fans out from the fitted level: the rate interval, projected over the steady part.
        fmt::print(out, "<path class=\"fit-band\" d=\"{}\"/>\n",
                   svg::area_path(xs, at(fit->rate_ci_low_bytes_per_s), at(fit->rate_ci_high_bytes_per_s), sx, sy));
    }
    if (events_axis) {
        auto reduced_events = downsample_min_max(*events, kMaxChartPoints);
        fmt::print(out, "<path class=\"line events\" d=\"{}\"/>\n",
                   svg::line_path(reduced_events.t_s, reduced_events.value, sx, s_events));
    }
    for (const auto& d : drawn)
        fmt::print(out, "<path class=\"line {}\" data-series=\"{}\" d=\"{}\"/>\n", d.css_class, gauge_name(d.gauge),
                   svg::line_path(d.reduced.t_s, d.reduced.value, sx, sy));
    for (std::size_t k = 0; k < fits.size(); ++k) {
        const double t0 = placed[k].t0_s, y0 = placed[k].y0_bytes;
        std::vector<double> xs{t0, t_hi};
        std::vector<double> ys{y0, y0 + fits[k]->steady_rate_bytes_per_s * (t_hi - t0)};
        fmt::print(out, "<path class=\"fit-line\" d=\"{}\"/>\n", svg::line_path(xs, ys, sx, sy));
    }
    if (limit_on_chart) {
        std::string y = svg::coord(sy(*limit));
        fmt::print(out, "<line class=\"limit\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\"/>", svg::coord(frame.plot_left()),
                   svg::coord(frame.plot_right()), y, y);
        fmt::print(out, "<text class=\"limit-label\" x=\"{}\" y=\"{}\">limit {}</text>\n",
                   svg::coord(frame.plot_right() - 4), svg::coord(sy(*limit) - 4), escape_markup(format_bytes(*limit)));
    }
    out << "</g>\n";
    out << "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"" << svg::coord(frame.plot_top()) << "\" y2=\""
        << svg::coord(frame.plot_bottom()) << "\" visibility=\"hidden\"/>\n";
    out << "</svg>\n";

    std::vector<HoverSeries> hover;
    for (const auto& d : drawn) hover.push_back({d.name, d.css_class, true, d.full.value});
    if (events_axis) hover.push_back({"events", "events", false, events->value});
    std::vector<double> t_all;
    for (const auto& s : recording.samples) t_all.push_back(s.t_s);
    write_hover_data(out, "memory-chart", t_all, hover, sx);

    if (limit && !limit_on_chart)
        fmt::print(out, "<p class=\"note\">The limit ({}) is far above the chart's range.</p>\n",
                   escape_markup(format_bytes(*limit)));
}

}  // namespace leakscope::report::html
