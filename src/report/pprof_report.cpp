#include "report/pprof_report.hpp"

#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "analysis/site_naming.hpp"
#include "symbols/user_frame.hpp"
#include "pprof_profile.pb.h"

namespace leakscope::report {
namespace {

/// Builds the profile's interned tables (strings, functions, locations, mappings) as samples are added.
class ProfileBuilder {
public:
    explicit ProfileBuilder(const Recording& recording) : recording_(recording) {
        profile_.add_string_table("");
        strings_[""] = 0;
    }

    std::int64_t string(const std::string& text) {
        auto [it, inserted] = strings_.try_emplace(text, static_cast<std::int64_t>(strings_.size()));
        if (inserted) profile_.add_string_table(text);
        return it->second;
    }

    void value_type(pprof::ValueType* type, const char* name, const char* unit) {
        type->set_type(string(name));
        type->set_unit(string(unit));
    }

    /// The locations of a stack, innermost first, starting at the user's frame as every leakscope report
    /// names a site (symbols::user_frame_index): the allocator, operator new and std::vector's internals
    /// below it are left out, so pprof's "flat" column names the line a person fixes.
    std::vector<std::uint64_t> stack_locations(const Stack& stack) {
        std::vector<std::vector<ResolvedFrame>> by_address;
        std::vector<ResolvedFrame> flat;
        for (std::uint64_t address : stack.frames) {
            const Stack one{StackId{}, stack.process, {address}};
            by_address.push_back(analysis::resolved_stack(recording_, one));
            flat.insert(flat.end(), by_address.back().begin(), by_address.back().end());
        }
        std::size_t skip = symbols::user_frame_index(flat);
        std::vector<std::uint64_t> ids;
        for (std::size_t i = 0; i < stack.frames.size(); ++i) {
            const auto& frames = by_address[i];
            if (skip >= frames.size()) {
                skip -= frames.size();
                continue;
            }
            ids.push_back(location(stack.process, stack.frames[i], frames, skip));
            skip = 0;
        }
        return ids;
    }

    /// The main program's mapping first: pprof names the profile after its first mapping.
    void map_modules_in_load_order(std::uint32_t process) {
        for (const auto& module : recording_.modules)
            if (module.process == process) mapping(process, module.start);
    }

    pprof::Profile& profile() { return profile_; }

private:
    /// One return address with its inlined frames as lines (innermost first), the first `skip` left out.
    std::uint64_t location(std::uint32_t process, std::uint64_t address, const std::vector<ResolvedFrame>& frames,
                           std::size_t skip) {
        auto [it, inserted] = locations_.try_emplace({process, address, skip}, profile_.location_size() + 1);
        if (!inserted) return it->second;
        auto* location = profile_.add_location();
        location->set_id(it->second);
        location->set_address(address);
        location->set_mapping_id(mapping(process, address));
        for (std::size_t k = skip; k < frames.size(); ++k) {
            auto* line = location->add_line();
            line->set_function_id(function(frames[k]));
            line->set_line(frames[k].line);
        }
        return it->second;
    }

    std::uint64_t function(const ResolvedFrame& frame) {
        std::string name = frame.function.empty() ? "??" : frame.function;
        if (name == "??" && !frame.module.empty())
            name = fmt::format("{}+0x{:x}", frame.module.substr(frame.module.rfind('/') + 1), frame.module_offset);
        auto [it, inserted] = functions_.try_emplace({name, frame.file}, profile_.function_size() + 1);
        if (inserted) {
            auto* function = profile_.add_function();
            function->set_id(it->second);
            function->set_name(string(name));
            function->set_system_name(string(name));
            function->set_filename(string(frame.file));
        }
        return it->second;
    }

    std::uint64_t mapping(std::uint32_t process, std::uint64_t address) {
        for (std::size_t i = 0; i < recording_.modules.size(); ++i) {
            const auto& module = recording_.modules[i];
            if (module.process != process || address < module.start || address >= module.end) continue;
            auto [it, inserted] = mappings_.try_emplace(i, profile_.mapping_size() + 1);
            if (inserted) {
                auto* mapping = profile_.add_mapping();
                mapping->set_id(it->second);
                mapping->set_memory_start(module.start);
                mapping->set_memory_limit(module.end);
                mapping->set_filename(string(module.path));
                mapping->set_build_id(string(module.build_id));
                // Functions and lines are filled in already: pprof must not symbolize again.
                mapping->set_has_functions(true);
                mapping->set_has_filenames(true);
                mapping->set_has_line_numbers(true);
                mapping->set_has_inline_frames(true);
            }
            return it->second;
        }
        return 0;
    }

    const Recording& recording_;
    pprof::Profile profile_;
    std::unordered_map<std::string, std::int64_t> strings_;
    std::map<std::tuple<std::uint32_t, std::uint64_t, std::size_t>, std::uint64_t> locations_;
    std::map<std::pair<std::string, std::string>, std::uint64_t> functions_;
    std::map<std::size_t, std::uint64_t> mappings_;
};

/// The last grid column inside the judged span, and the first at or after steady state began.
std::pair<std::size_t, std::size_t> judged_columns(const SiteSeries& grid, const analysis::Analysis& analysis) {
    std::size_t end = grid.t_s.size();
    while (end > 1 && grid.t_s[end - 1] > analysis.judged_until_s) --end;
    const double warmup_end = analysis.process.verdict.warmup_end_s;
    std::size_t start = 0;
    while (start + 1 < end && grid.t_s[start] < warmup_end) ++start;
    return {start, end - 1};
}

}  // namespace

void write_pprof(std::ostream& out, const Recording& recording, const analysis::Analysis& analysis) {
    ProfileBuilder builder(recording);
    auto& profile = builder.profile();
    const auto& grid = recording.sites;
    const bool over_time = grid.t_s.size() >= 2;
    builder.value_type(profile.add_sample_type(), "alloc_objects", "count");
    builder.value_type(profile.add_sample_type(), "alloc_space", "bytes");
    builder.value_type(profile.add_sample_type(), "inuse_objects", "count");
    builder.value_type(profile.add_sample_type(), "inuse_space", "bytes");
    if (over_time) builder.value_type(profile.add_sample_type(), "growth_space", "bytes");
    profile.set_default_sample_type(builder.string("inuse_space"));
    builder.value_type(profile.mutable_period_type(), "space", "bytes");
    profile.set_period(static_cast<std::int64_t>(recording.info.tracker_mode == "sampled" ? recording.info.sample_bytes : 1));
    profile.set_time_nanos(static_cast<std::int64_t>(recording.info.start_unix_s * 1e9));
    profile.set_duration_nanos(static_cast<std::int64_t>(analysis.duration_s * 1e9));

    if (!grid.t_s.empty()) {
        const auto [steady, end] = judged_columns(grid, analysis);
        profile.add_comment(builder.string(fmt::format(
            "leakscope: inuse at t={:.3f} s (the end of the judged run); growth_space = inuse then minus inuse at "
            "t={:.3f} s (steady state began)", grid.t_s[end] - grid.t_s.front(), grid.t_s[steady] - grid.t_s.front())));
        const bool many_processes = recording.processes.size() > 1;
        builder.map_modules_in_load_order(0);
        for (const auto& site : grid.sites) {
            const auto value_at = [](const std::vector<std::int64_t>& values, std::size_t column) {
                return column < values.size() ? values[column] : std::int64_t{0};
            };
            const std::int64_t live = value_at(site.live_bytes, end);
            const std::int64_t growth = live - value_at(site.live_bytes, steady);
            if (live == 0 && growth == 0 && site.total_bytes == 0) continue;
            const auto stack = recording.stacks.find(site.stack);
            if (stack == recording.stacks.end()) continue;
            auto* sample = profile.add_sample();
            for (std::uint64_t id : builder.stack_locations(stack->second)) sample->add_location_id(id);
            sample->add_value(static_cast<std::int64_t>(site.total_allocations));
            sample->add_value(static_cast<std::int64_t>(site.total_bytes));
            sample->add_value(value_at(site.live_count, end));
            sample->add_value(live);
            if (over_time) sample->add_value(growth);
            if (many_processes && stack->second.process < recording.processes.size()) {
                auto* label = sample->add_label();
                label->set_key(builder.string("process"));
                label->set_str(builder.string(recording.processes[stack->second.process]));
            }
        }
    }

    google::protobuf::io::OstreamOutputStream raw(&out);
    google::protobuf::io::GzipOutputStream::Options options;
    options.format = google::protobuf::io::GzipOutputStream::GZIP;
    google::protobuf::io::GzipOutputStream gzip(&raw, options);
    if (!profile.SerializeToZeroCopyStream(&gzip) || !gzip.Close() || !out)
        throw std::runtime_error("cannot write the pprof profile");
}

}  // namespace leakscope::report
