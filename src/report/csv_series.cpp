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
    out << "t_s,rss,pss,anon,file,swap,live_heap,mapped,events\n";
    for (const auto& s : recording.samples) {
        fmt::print(out, "{:.3f},{},{},{},{},{},{},{},{}\n", s.t_s, s.rss, cell(s.pss), cell(s.anon), cell(s.file),
                   cell(s.swap), cell(s.live_heap), cell(s.mapped), events ? std::to_string(s.events) : std::string());
    }
}

}  // namespace leakscope::report
