#include "report/csv_series.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include "report/report_facts.hpp"

namespace leakscope::report {

namespace {

std::string cell(std::uint64_t bytes) { return known(bytes) ? std::to_string(bytes) : std::string(); }

}  // namespace

void write_csv(std::ostream& out, const Recording& recording, const analysis::Analysis&) {
    bool events = events_known(recording);
    // Columns after `events` were added later; an empty cell is a gauge not measured in that sample.
    out << "t_s,rss,pss,anon,file,swap,live_heap,mapped,events,allocator_footprint,allocator_in_use,allocator_free,"
           "smaps_brk_heap,smaps_stacks,smaps_anon_other,smaps_file,smaps_other,tracker_bytes,"
           "runtime_heap_used,runtime_heap_committed,runtime_heap_max,runtime_old_gen_used,runtime_metaspace_used,"
           "runtime_young_gcs,runtime_full_gcs,runtime_concurrent_gcs,vm_data,runtime_eden_used,runtime_unread_jvms,smaps_stacks_mapped,allocator_reads\n";
    for (const auto& s : recording.samples) {
        fmt::print(out, "{:.3f},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},", s.t_s, s.rss, cell(s.pss), cell(s.anon),
                   cell(s.file), cell(s.swap), cell(s.live_heap), cell(s.mapped),
                   events ? std::to_string(s.events) : std::string(), cell(s.allocator_footprint),
                   cell(s.allocator_in_use), cell(s.allocator_free), cell(s.smaps_brk_heap), cell(s.smaps_stacks),
                   cell(s.smaps_anon_other), cell(s.smaps_file), cell(s.smaps_other), cell(s.tracker_bytes));
        fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{},{},{}\n", cell(s.runtime_heap_used), cell(s.runtime_heap_committed),
                   cell(s.runtime_heap_max), cell(s.runtime_old_gen_used), cell(s.runtime_metaspace_used),
                   cell(s.runtime_young_gcs), cell(s.runtime_full_gcs), cell(s.runtime_concurrent_gcs), cell(s.vm_data),
                   cell(s.runtime_eden_used), cell(s.runtime_unread_jvms), cell(s.smaps_stacks_mapped),
                   cell(s.allocator_reads));
    }
}

}  // namespace leakscope::report
