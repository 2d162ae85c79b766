// The numbers behind a chart, embedded next to it as JSON so the page's small script can show the
// values under the mouse. Bucketed to a few hundred points: enough for a tooltip, small on disk.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/svg_chart.hpp"

namespace leakscope::report {

struct HoverSeries {
    std::string name;        ///< shown in the tooltip
    std::string css_class;   ///< the series' class, so the tooltip swatch has its color
    bool bytes = true;       ///< bytes (formatted as kB/MB) or a plain count
    std::vector<double> value;  ///< on the shared t_s; NaN = unknown
};

/// Writes <script type="application/json" class="chart-data" data-for="chart_id">.
void write_hover_data(std::ostream& out, std::string_view chart_id, const std::vector<double>& t_s,
                      const std::vector<HoverSeries>& series, const svg::Scale& sx);

inline constexpr std::size_t kMaxHoverPoints = 600;

}  // namespace leakscope::report
