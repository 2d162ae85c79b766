// CPython serves small objects (512 bytes or less) from pymalloc's arenas, 1 MiB each since Python
// 3.10, and the tracker sees each arena as one block, charged to the code that happened to need a new
// one. A leak of small objects (a logger per request, a dict entry per session) fills arenas that are
// charged to whatever ran at that moment: uuid's hex, an import, a list, the leak's own line once in a
// while. Each such site holds one or two arenas and none grows steadily, while their sum rises in 1 MiB
// steps with the leak. When the process leaks and no site does, the arena sites are judged together, as
// one row ("pymalloc arenas"): what the tracker can say without counting every object
// (PYTHONMALLOC=malloc does that, at ~1.4x the interpreter's time).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis.hpp"
#include "diagnosis/diagnosis.hpp"

namespace leakscope::analysis {

inline constexpr char kPymallocArenasRow[] = "pymalloc arenas (1 MiB each)";
/// The arena sites' rise must be this share of the heap's steady growth for the growth to be theirs.
inline constexpr double kArenaShareOfGrowth = 0.5;

/// At the end of the judged span (its first `columns` columns) the site holds whole arenas, one block each:
/// the arenas it took. Blocks of its own that it held meanwhile (a list's buffer during a burst, malloc'd
/// past pymalloc's 512 bytes) were freed by then.
bool holds_only_arenas(const SiteSeries::Site& series, std::size_t columns, double arena_bytes);

/// With full tracking of a CPython target (`arena_bytes` > 0), a decided leak of the live heap and no site
/// a leak but those that hold whole arenas only:
/// - when the arena sites' rise carries the heap's growth and RSS alone does not call the same leak, the
///   verdict becomes undecided (arenas kept after bursts are a high-water mark as much as a leak);
/// - else, for a strong heap trend or one RSS corroborates, the arena sites are summed over the judged span
///   and diagnosed together: a decided leak becomes one row named kPymallocArenasRow, its `call_paths` the
///   sites it stands for; when too few arenas came for that (two in a 16 s run) and none of them leaks
///   alone, the returned note says why no site carries the leak.
/// Nothing changes otherwise.
std::optional<ArenaGrowth> judge_pymalloc_arenas_together(const Recording& recording, double until_t_s, double arena_bytes,
                                                          const diagnosis::Options& site_options, diagnosis::ProcessDiagnosis& process,
                                                          std::vector<SiteReport>& sites);

/// "The heap's rise of 2.10 MB came in pymalloc's 1 MiB arenas ...": why no site carries the leak, and what
/// would show the objects.
std::string arena_growth_sentence(const ArenaGrowth& growth);

}  // namespace leakscope::analysis
