// RSS counts file-backed pages, and some come and go without the program releasing anything: a shell's
// short-lived commands (their code is in the tree's RSS while they run), page cache of a mapped file
// the kernel reclaims and the program faults back. Those are teeth on RSS that no memory the program
// held left by: bash keeping every id in an array (245 kB/s, its anonymous memory a straight line) and
// starting a command every 50 ms read "Growing 881 MB/h under a sawtooth ... saw 5 releases, too few to
// show a trend" on RSS alone. When RSS's teeth are not in its anonymous memory, and its file-backed
// pages have no trend of their own, the anonymous memory carries RSS's verdict.
#pragma once

#include <optional>

#include "diagnosis/classify.hpp"
#include "diagnosis/diagnosis.hpp"

namespace leakscope::diagnosis::detail {

/// The diagnosis of RSS's anonymous memory when RSS's cycles (a sawtooth's teeth, spikes) are file-backed
/// pages alone; nullopt when they are not, or the series to tell are missing.
std::optional<DetailedDiagnosis> anon_without_file_backed_teeth(const ProcessSeries& series, const DetailedDiagnosis& rss,
                                                                const Options& options);

/// The sentence that says why the anonymous memory's verdict is RSS's.
inline constexpr const char* kFileBackedTeethSentence =
    "RSS's falls are file-backed pages coming and going (code of short-lived child processes, page cache), not "
    "memory the program released: its anonymous memory has none. ";

}  // namespace leakscope::diagnosis::detail
