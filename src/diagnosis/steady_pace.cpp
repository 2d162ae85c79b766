#include "diagnosis/steady_pace.hpp"

#include <vector>

namespace leakscope::diagnosis::detail {

bool climbs_at_a_steady_pace(const Series& series, double from_s, double to_s) {
    std::vector<double> t;
    std::vector<double> v;
    for (std::size_t i = 0; i < series.t_s.size() && i < series.value.size(); ++i) {
        if (series.t_s[i] < from_s || series.t_s[i] > to_s) continue;
        if (!v.empty() && series.value[i] == v.back()) continue;
        t.push_back(series.t_s[i]);
        v.push_back(series.value[i]);
    }
    if (t.size() < kReadingsForASteadyPace) return false;
    const auto n = static_cast<double>(t.size());
    double mean_t = 0, mean_v = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        mean_t += t[i] / n;
        mean_v += v[i] / n;
    }
    double stt = 0, stv = 0, svv = 0;
    for (std::size_t i = 0; i < t.size(); ++i) {
        stt += (t[i] - mean_t) * (t[i] - mean_t);
        stv += (t[i] - mean_t) * (v[i] - mean_v);
        svv += (v[i] - mean_v) * (v[i] - mean_v);
    }
    if (!(stt > 0) || !(svv > 0) || !(stv > 0)) return false;
    return stv * stv / (stt * svv) >= kSteadyPaceLineFit;
}

}  // namespace leakscope::diagnosis::detail
