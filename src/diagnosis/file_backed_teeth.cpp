#include "diagnosis/file_backed_teeth.hpp"

namespace leakscope::diagnosis::detail {

std::optional<DetailedDiagnosis> anon_without_file_backed_teeth(const ProcessSeries& series, const DetailedDiagnosis& rss,
                                                                const Options& options) {
    if (!rss.diagnosis.period_s || !series.anon_rss || !series.file_rss) return std::nullopt;
    if (series.anon_rss->t_s.size() != series.rss.t_s.size() || series.file_rss->t_s.size() != series.rss.t_s.size()) return std::nullopt;
    DetailedDiagnosis anon = diagnose_detailed(*series.anon_rss, options);
    if (anon.diagnosis.period_s || anon.diagnosis.pattern == Pattern::insufficient_data) return std::nullopt;
    // File-backed pages that grow are RSS's own story (a leak of mapped files), teeth and all.
    if (diagnose_detailed(*series.file_rss, options).growing) return std::nullopt;
    return anon;
}

}  // namespace leakscope::diagnosis::detail
