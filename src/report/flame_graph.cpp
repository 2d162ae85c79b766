// An icicle graph (a flame graph drawn top-down) of the bytes live at the end of the run, by stack.
// Width is live bytes, the weight the folded-stacks export uses too; color marks the frames whose
// memory grew in steady state, so the leaking branch stands out even when it is not the widest.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/html_sections.hpp"
#include "report/human_units.hpp"
#include "report/markup_escape.hpp"
#include "report/readable_names.hpp"
#include "report/report_facts.hpp"
#include "report/svg_chart.hpp"

namespace leakscope::report::html {

namespace {

struct Node {
    std::string name;
    double live = 0;
    double growth = 0;        ///< bytes/s of steady growth of the leaking sites below this frame
    double leaking_live = 0;  ///< live bytes of the leaking sites below this frame
    std::map<std::string, std::unique_ptr<Node>> children;
};

constexpr double kRowHeight = 18;
constexpr std::size_t kMaxDepth = 48;
constexpr double kCharWidth = 6.6;  ///< of the 11px monospace font, to truncate labels that would not fit

/// Red as deep as the share of the frame's live bytes that leaking sites hold: the frames that lead only
/// to a leak are the darkest, shared callers like main() paler; pale sand where nothing grew.
std::string fill_for(const Node& node) {
    if (node.leaking_live > 0 && node.live > 0) {
        double share = std::clamp(node.leaking_live / node.live, 0.0, 1.0);
        int lightness = static_cast<int>(std::lround(84 - 34 * share));
        return fmt::format("hsl(6,80%,{}%)", lightness);
    }
    std::size_t hash = std::hash<std::string>{}(node.name);
    return fmt::format("hsl({},28%,{}%)", 35 + static_cast<int>(hash % 20), 80 + static_cast<int>(hash / 20 % 8));
}

struct Layout {
    std::ostream& out;
    double total_live;
    double width;
    std::size_t depth_reached = 0;
};

void draw(Layout& layout, const Node& node, double x, double w, std::size_t depth) {
    if (w < 0.5 || depth > kMaxDepth) return;
    layout.depth_reached = std::max(layout.depth_reached, depth);
    double y = depth * kRowHeight;
    std::string title = fmt::format("{}\n{} live ({})", node.name, format_bytes(node.live),
                                    format_percent(layout.total_live > 0 ? node.live / layout.total_live : 0));
    if (node.growth > 0) title += "\nsteady growth " + signed_rate(node.growth * 3600, "h");
    fmt::print(layout.out, "<g class=\"frame{}\"><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
               node.growth > 0 ? " growing" : "", escape_markup(title), svg::coord(x), svg::coord(y),
               svg::coord(std::max(w - 0.6, 0.4)), svg::coord(kRowHeight - 1), fill_for(node));
    auto fits = static_cast<std::size_t>(std::max(0.0, (w - 8) / kCharWidth));
    if (fits >= 3) {
        const std::string label = util::truncate_utf8(node.name, fits);
        fmt::print(layout.out, "<text x=\"{}\" y=\"{}\">{}</text>", svg::coord(x + 4), svg::coord(y + 13),
                   escape_markup(label));
    }
    layout.out << "</g>\n";

    // Widest child first, so the big branches line up on the left as in flame-graph tools.
    std::vector<const Node*> children;
    for (const auto& [name, child] : node.children) children.push_back(child.get());
    std::stable_sort(children.begin(), children.end(), [](const Node* a, const Node* b) { return a->live > b->live; });
    double child_x = x;
    for (const Node* child : children) {
        double child_w = node.live > 0 ? w * child->live / node.live : 0;
        draw(layout, *child, child_x, child_w, depth + 1);
        child_x += child_w;
    }
}

}  // namespace

void write_flame_graph(std::ostream& out, const analysis::Analysis& analysis) {
    Node root{"all tracked sites"};
    std::size_t deepest = 0;
    for (const auto& site : analysis.sites) {
        if (!(site.live_bytes > 0)) continue;
        double growth = site.diagnosis.leak ? std::max(0.0, site.diagnosis.steady_rate_bytes_per_s) : 0;
        root.live += site.live_bytes;
        root.growth += growth;
        double leaking_live = site.diagnosis.leak ? site.live_bytes : 0;
        root.leaking_live += leaking_live;
        Node* node = &root;
        std::vector<std::string> frames;  // outermost first
        for (auto frame = site.frames.rbegin(); frame != site.frames.rend(); ++frame) frames.push_back(readable_function(*frame));
        if (frames.empty()) frames.push_back(readable_site_function(site));
        deepest = std::max(deepest, frames.size());
        for (const auto& frame : frames) {
            auto& child = node->children[frame];
            if (!child) child = std::make_unique<Node>(Node{frame});
            child->live += site.live_bytes;
            child->growth += growth;
            child->leaking_live += leaking_live;
            node = child.get();
        }
    }
    if (!(root.live > 0)) {
        out << "<p class=\"empty\">No tracked site holds live memory at the end of the run.</p>\n";
        return;
    }
    constexpr double kWidth = 960;
    double height = static_cast<double>(std::min(deepest, kMaxDepth) + 1) * kRowHeight;
    fmt::print(out,
               "<svg id=\"flame-graph\" class=\"flame\" viewBox=\"0 0 {0} {1}\" role=\"img\" "
               "aria-label=\"Live bytes by stack\" xmlns=\"http://www.w3.org/2000/svg\">\n",
               svg::coord(kWidth), svg::coord(height));
    Layout layout{out, root.live, kWidth};
    draw(layout, root, 0, kWidth, 0);
    out << "</svg>\n";
}

}  // namespace leakscope::report::html
