#include "report/hover_data.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "report/markup_escape.hpp"
#include "report/series_view.hpp"

namespace leakscope::report {

void write_hover_data(std::ostream& out, std::string_view chart_id, const std::vector<double>& t_s,
                      const std::vector<HoverSeries>& series, const svg::Scale& sx) {
    std::vector<std::vector<double>> values;
    for (const auto& s : series) values.push_back(s.value);
    BucketedGrid grid = bucket_means(t_s, values, kMaxHoverPoints);

    // Rounded: a tooltip shows three digits, and full doubles would triple the file.
    auto rounded = [](double v) -> nlohmann::json {
        if (!std::isfinite(v)) return nullptr;
        return std::round(v);
    };
    nlohmann::json data;
    data["x"] = {{"t0", sx.domain_lo}, {"t1", sx.domain_hi}, {"px0", sx.range_lo}, {"px1", sx.range_hi}};
    auto& times = data["t"] = nlohmann::json::array();
    for (double t : grid.t_s) times.push_back(std::round(t * 100) / 100);
    auto& list = data["series"] = nlohmann::json::array();
    for (std::size_t k = 0; k < series.size(); ++k) {
        nlohmann::json entry{{"name", series[k].name}, {"cls", series[k].css_class}, {"bytes", series[k].bytes}};
        auto& v = entry["v"] = nlohmann::json::array();
        for (double value : grid.values[k]) v.push_back(rounded(value));
        list.push_back(std::move(entry));
    }
    out << "<script type=\"application/json\" class=\"chart-data\" data-for=\"" << escape_markup(chart_id) << "\">"
        << escape_script_json(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) << "</script>\n";
}

}  // namespace leakscope::report
