// The parts of the HTML report, each written by its own file; html_page.cpp lays them out.
#pragma once

#include <ostream>

#include "analysis/analysis.hpp"
#include "analysis/runtime_heap.hpp"
#include "model/recording.hpp"

namespace leakscope::report::html {

/// RSS, PSS, live heap and mapped over time; warm-up shaded, steady-state fit with its band, events
/// on a second axis (memory_chart.cpp).
void write_memory_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

/// Live bytes of the top sites over time, stacked (site_charts.cpp). Writes nothing without sites.
void write_site_stack_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

/// RSS split into live heap, mmap'ed and allocator-retained over time (site_charts.cpp). Needs the
/// tracker's live heap.
void write_decomposition_chart(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);
/// Resident memory by kind of mapping (smaps: brk heap, thread stacks, other anonymous, file-backed,
/// other) at the samples where it was read; nothing when it never was.
void write_smaps_chart(std::ostream& out, const Recording& recording);
/// The JVM's heap (hsperfdata) stacked as old generation, young generation and committed-but-free, under
/// RSS, with the sentence of its last figures.
void write_runtime_heap_chart(std::ostream& out, const analysis::RuntimeHeapSeries& series);
/// A Go program's heap from its gctrace lines: the live level after each collection and the room up to its goal, under RSS.
void write_go_heap_chart(std::ostream& out, const analysis::RuntimeHeapSeries& series);

/// Icicle graph of live bytes by stack, colored by steady growth (flame_graph.cpp).
void write_flame_graph(std::ostream& out, const analysis::Analysis& analysis);

/// Table of sites whose rows expand to the full stack (site_table.cpp).
void write_site_table(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis);

/// The LeakSanitizer view beside the growth view: what the processes that ended still held, by site
/// (site_table.cpp). Nothing when no tracked process ended during the run (attach, --duration).
void write_exit_view(std::ostream& out, const analysis::ExitView& view, const RunInfo& info);

/// A legend entry: a colored swatch with the series' class and its name.
void write_legend_key(std::ostream& out, const char* css_class, std::string_view name, bool dashed = false);

}  // namespace leakscope::report::html
