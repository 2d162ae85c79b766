// Stacked-area charts: the top sites' live bytes, and RSS taken apart into what holds it.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/decomposition_text.hpp"
#include "report/hover_data.hpp"
#include "report/html_sections.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"
#include "report/readable_names.hpp"
#include "report/report_facts.hpp"
#include "report/series_view.hpp"
#include "report/svg_chart.hpp"

namespace leakscope::report::html {

namespace {

/// Sites drawn on their own; the rest are summed into one "other" layer so the chart stays legible.
constexpr std::size_t kStackedSites = 8;
constexpr std::size_t kStackedPoints = 1000;

struct Layer {
    std::string name;
    std::string css_class;
    std::vector<double> value;
};

/// Draws layers bottom-up as stacked areas, with a legend and hover data.
void write_stacked(std::ostream& out, const char* id, const char* label, const char* y_label, const std::vector<double>& t_s,
                   const std::vector<Layer>& layers, const std::vector<double>* overlay_line, const char* overlay_name) {
    std::vector<std::vector<double>> values;
    for (const auto& layer : layers) values.push_back(layer.value);
    if (overlay_line) values.push_back(*overlay_line);
    BucketedGrid grid = bucket_means(t_s, values, kStackedPoints);
    if (grid.t_s.empty()) return;

    std::vector<std::vector<double>> tops(layers.size(), std::vector<double>(grid.t_s.size()));
    double v_hi = 0;
    for (std::size_t i = 0; i < grid.t_s.size(); ++i) {
        double sum = 0;
        for (std::size_t k = 0; k < layers.size(); ++k) {
            double v = grid.values[k][i];
            sum += std::isfinite(v) ? std::max(v, 0.0) : 0;
            tops[k][i] = sum;
        }
        v_hi = std::max(v_hi, sum);
        if (overlay_line && std::isfinite(grid.values.back()[i])) v_hi = std::max(v_hi, grid.values.back()[i]);
    }

    out << "<div class=\"legend\">";
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) write_legend_key(out, it->css_class.c_str(), it->name);
    if (overlay_line) write_legend_key(out, "rss", overlay_name);
    out << "</div>\n";

    svg::Frame frame;
    frame.height = 280;
    // The real first and last times, not the bucket means, so the axis reaches the end of the run.
    double t_lo = t_s.front(), t_hi = std::max(t_s.back(), t_lo + 1);
    auto ticks = svg::byte_ticks(0, v_hi * 1.05 + 1, 5);
    double y_top = ticks.empty() ? v_hi : std::max(v_hi * 1.05, ticks.back().value);
    ticks = svg::byte_ticks(0, y_top, 5);
    svg::Scale sx{t_lo, t_hi, frame.plot_left(), frame.plot_right()};
    svg::Scale sy{0, y_top > 0 ? y_top : 1, frame.plot_bottom(), frame.plot_top()};
    svg::open_svg(out, frame, id, label);
    svg::write_axes(out, frame, sx, sy, svg::time_ticks(t_lo, t_hi), ticks, "time since start", y_label);
    std::vector<double> zero(grid.t_s.size(), 0.0);
    for (std::size_t k = 0; k < layers.size(); ++k) {
        const auto& lower = k == 0 ? zero : tops[k - 1];
        fmt::print(out, "<path class=\"layer {}\" d=\"{}\"><title>{}</title></path>\n", layers[k].css_class,
                   svg::area_path(grid.t_s, lower, tops[k], sx, sy), escape_markup(layers[k].name));
    }
    if (overlay_line)
        fmt::print(out, "<path class=\"line rss\" d=\"{}\"/>\n", svg::line_path(grid.t_s, grid.values.back(), sx, sy));
    out << "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"" << svg::coord(frame.plot_top()) << "\" y2=\""
        << svg::coord(frame.plot_bottom()) << "\" visibility=\"hidden\"/>\n";
    out << "</svg>\n";

    std::vector<HoverSeries> hover;
    if (overlay_line) hover.push_back({overlay_name, "rss", true, *overlay_line});
    for (auto it = layers.rbegin(); it != layers.rend(); ++it) hover.push_back({it->name, it->css_class, true, it->value});
    write_hover_data(out, id, t_s, hover, sx);
}

std::string short_name(const std::string& function) {
    constexpr std::size_t kMaxCharacters = 48;
    return util::truncate_utf8(readable_function(function), kMaxCharacters);
}

/// Several stacks often end in the same function (one function allocating on two lines, or called from
/// two places): the legend must still tell their colours apart. Names that repeat get their location,
/// and names that still repeat a number.
void make_names_distinct(std::vector<Layer>& layers, const std::vector<const analysis::SiteReport*>& sites) {
    auto count = [&](const std::string& name) {
        return std::count_if(layers.begin(), layers.end(), [&](const Layer& l) { return l.name == name; });
    };
    std::vector<bool> repeated(layers.size());
    for (std::size_t i = 0; i < sites.size(); ++i) repeated[i] = count(layers[i].name) > 1;
    for (std::size_t i = 0; i < sites.size(); ++i)
        if (repeated[i]) layers[i].name = short_name(sites[i]->function) + " (" + readable_site_location(*sites[i]) + ")";
    for (std::size_t i = 0; i < sites.size(); ++i) {
        int seen = 0;
        for (std::size_t j = 0; j < i; ++j) seen += layers[j].name == layers[i].name ? 1 : 0;
        if (seen > 0 && count(layers[i].name) > 1) layers[i].name += fmt::format(" #{}", seen + 1);
    }
}

}  // namespace

void write_site_stack_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    const auto& grid = recording.sites;
    if (grid.t_s.empty() || grid.sites.empty() || analysis.sites.empty()) return;

    std::vector<bool> drawn(grid.sites.size(), false);
    std::vector<Layer> layers;
    std::vector<const analysis::SiteReport*> layer_sites;
    for (const auto& site : analysis.sites) {
        if (layers.size() == kStackedSites) break;
        if (site.series_index >= grid.sites.size() || drawn[site.series_index]) continue;
        drawn[site.series_index] = true;
        const auto& live = grid.sites[site.series_index].live_bytes;
        std::vector<double> values(grid.t_s.size(), 0.0);
        for (std::size_t i = 0; i < values.size() && i < live.size(); ++i) values[i] = static_cast<double>(live[i]);
        layers.push_back({short_name(site.function), fmt::format("site{}", layers.size()), std::move(values)});
        layer_sites.push_back(&site);
    }
    make_names_distinct(layers, layer_sites);
    std::vector<double> other(grid.t_s.size(), 0.0);
    bool any_other = false;
    for (std::size_t s = 0; s < grid.sites.size(); ++s) {
        if (drawn[s]) continue;
        const auto& live = grid.sites[s].live_bytes;
        for (std::size_t i = 0; i < other.size() && i < live.size(); ++i) {
            other[i] += static_cast<double>(live[i]);
            any_other |= live[i] != 0;
        }
    }
    if (any_other) layers.push_back({"all other sites", "site-other", std::move(other)});
    write_stacked(out, "sites-chart", "Live bytes of the top allocation sites over time", "live bytes", grid.t_s, layers,
                  nullptr, "");
}

void write_decomposition_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    auto heap = gauge_series(recording, Gauge::live_heap);
    if (!heap) return;
    auto mapped = gauge_series(recording, Gauge::mapped);
    auto rss = gauge_series(recording, Gauge::rss);
    // The allocator's own figures, when the tracker could read them: its free-but-kept bytes are then a
    // measured layer, and its bookkeeping (headers, size classes) another, instead of one residual.
    auto in_use = gauge_series(recording, Gauge::allocator_in_use);
    auto kept = gauge_series(recording, Gauge::allocator_free);
    const auto at = [](const std::optional<GaugeSeries>& s, std::size_t i) {
        return s && std::isfinite(s->value[i]) ? s->value[i] : 0.0;
    };
    std::vector<double> heap_v, mapped_v, overhead_v, kept_v, rest_v;
    for (std::size_t i = 0; i < rss->t_s.size(); ++i) {
        const double h = at(heap, i), m = at(mapped, i);
        const double overhead = in_use && std::isfinite(in_use->value[i]) ? std::max(0.0, in_use->value[i] - h) : 0.0;
        const double k = at(kept, i);
        heap_v.push_back(h);
        mapped_v.push_back(m);
        overhead_v.push_back(overhead);
        kept_v.push_back(k);
        // What RSS holds beyond all that: without the allocator's figures, freed memory the allocator
        // keeps plus the program's code, stacks and other mappings; with them, only the latter.
        rest_v.push_back(std::max(0.0, rss->value[i] - h - m - overhead - k));
    }
    std::vector<Layer> layers{{"live heap", "heap", heap_v}};
    if (mapped) layers.push_back({"mmap'ed", "mapped", mapped_v});
    if (in_use) layers.push_back({"allocator overhead (headers, size classes)", "overhead", overhead_v});
    if (kept) {
        layers.push_back({"allocator: free but kept", "kept", kept_v});
        layers.push_back({"the rest (code, stacks, other mappings)", "retained", rest_v});  // headers: the layer above
    } else {
        layers.push_back({"allocator-retained and other", "retained", rest_v});
    }
    write_stacked(out, "decomposition-chart",
                  kept ? "RSS decomposed into live heap, mmap'ed, the allocator's free-but-kept memory and the rest"
                       : "RSS decomposed into live heap, mmap'ed and allocator-retained memory",
                  "resident bytes", rss->t_s, layers, &rss->value, "RSS");
    if (kept && !recording.info.allocator.empty()) {
        fmt::print(out, "<p class=\"note\">Allocator: {} (its own statistics, read inside the target about once a second).</p>\n",
                   escape_markup(recording.info.allocator));
    }

    if (const auto& d = analysis.process.decomposition)
        fmt::print(out, "<p class=\"note\">{}</p>\n", escape_markup(decomposition_sentence(*d, analysis.process.rss)));
}

void write_smaps_chart(std::ostream& out, const Recording& recording) {
    const struct {
        std::uint64_t SamplePoint::*field;
        const char* name;
        const char* css_class;
    } kCategories[] = {{&SamplePoint::smaps_brk_heap, "brk heap ([heap])", "heap"},
                       {&SamplePoint::smaps_anon_other, "other anonymous (mmap'd arenas and blocks, JIT/GC heaps)", "anon-other"},
                       {&SamplePoint::smaps_stacks, "thread stacks", "stacks"},
                       {&SamplePoint::smaps_file, "file-backed (code, mapped files, shared memory)", "file-backed"},
                       {&SamplePoint::smaps_other, "other", "retained"}};
    std::vector<double> t_s, rss;
    std::vector<Layer> layers;
    for (const auto& c : kCategories) layers.push_back({c.name, c.css_class, {}});
    // Only the samples that carry a reading: the chart's points are the readings themselves.
    for (const auto& s : recording.samples) {
        if (!known(s.smaps_stacks)) continue;
        t_s.push_back(s.t_s);
        rss.push_back(static_cast<double>(s.rss));
        for (std::size_t k = 0; k < layers.size(); ++k) {
            const std::uint64_t v = s.*kCategories[k].field;
            layers[k].value.push_back(known(v) ? static_cast<double>(v) : 0.0);
        }
    }
    if (t_s.size() < 2) return;
    write_stacked(out, "smaps-chart", "Resident memory by kind of mapping, from /proc/PID/smaps", "resident bytes", t_s,
                  layers, &rss, "RSS");
    out << "<p class=\"note\">Read from <code>/proc/PID/smaps</code> every few seconds (not every sample: it walks the "
           "page tables); thread stacks are the mappings above a guard page or holding one thread's stack pointer (a mapping holding several, a runtime's heap that stacks are carved from, is not).</p>\n";
}

void write_runtime_heap_chart(std::ostream& out, const analysis::RuntimeHeapSeries& series) {
    // used <= committed by HotSpot's accounting; clamp anyway so a layer is never negative.
    std::vector<double> old_gen, young, free;
    for (std::size_t i = 0; i < series.size(); ++i) {
        const double used = series.heap_used[i];
        old_gen.push_back(std::min(series.old_gen_used[i], used));
        young.push_back(std::max(0.0, used - series.old_gen_used[i]));
        free.push_back(std::max(0.0, series.heap_committed[i] - used));
    }
    const std::vector<Layer> layers{{"old generation", "heap", old_gen},
                                    {"young generation (eden, survivors)", "mapped", young},
                                    {"committed, not in use", "kept", free}};
    write_stacked(out, "runtime-heap-chart", "The JVM's heap: used by generation and committed, under RSS",
                  "bytes", series.t_s, layers, &series.rss, "RSS");
    fmt::print(out,
               "<p class=\"note\">{} From the JVM's own performance counters (<code>/tmp/hsperfdata_USER/PID</code>, "
               "what jstat reads), every sample. The heap's committed memory lives in RSS's other anonymous mappings "
               "once touched; the rest of RSS is the JVM itself (code, metaspace, threads, the JIT's code cache).</p>\n",
               escape_markup(analysis::runtime_heap_sentence(series)));
}

void write_go_heap_chart(std::ostream& out, const analysis::RuntimeHeapSeries& series) {
    // What the last collection found live, and the room up to the goal it set (the heap fills it before the
    // next one): the live level is the verdict's evidence, the goal what RSS climbs toward meanwhile.
    std::vector<double> live, room;
    for (std::size_t i = 0; i < series.size(); ++i) {
        live.push_back(series.heap_used[i]);
        room.push_back(std::max(0.0, series.heap_committed[i] - series.heap_used[i]));
    }
    const std::vector<Layer> layers{{"live at the last collection (heap and goroutine stacks)", "heap", live},
                                    {"room up to the collector's goal", "kept", room}};
    write_stacked(out, "runtime-heap-chart", "The Go heap: what each collection found live, and the goal it set, under RSS",
                  "bytes", series.t_s, layers, &series.rss, "RSS");
    fmt::print(out,
               "<p class=\"note\">{} leakscope asked the Go runtime for a report of each collection "
               "(<code>GODEBUG=gctrace=1</code>) and took those lines out of the program's stderr. Go's collector marks the "
               "whole heap every cycle: a live level that climbs from one collection to the next is a leak, one that stays "
               "is a heap filling toward its goal, which RSS follows.</p>\n",
               escape_markup(analysis::go_heap_sentence(series)));
}

}  // namespace leakscope::report::html
