// Encoding and decoding of every chunk payload (the layouts are in docs/recording-format.md).
// List chunks (samples, processes, modules, unloads, stacks, snapshots, symbols, warnings) share one
// shape: an optional kind-specific prefix, a varint count, then the items, so the writer can append
// items as they come and frame them once per flush. Decoders throw PayloadError on malformed bytes
// and ignore bytes after the fields they know (a newer minor version may append fields).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "model/recording.hpp"
#include "recording/bounded_series.hpp"
#include "recording/byte_codec.hpp"
#include "recording/recording_limits.hpp"

namespace leakscope::recording {

// Single-record chunks.
void encode_run_info(const RunInfo& info, std::vector<std::uint8_t>& out);
RunInfo decode_run_info(std::span<const std::uint8_t> payload);
void encode_run_end(const RunEnd& end, std::vector<std::uint8_t>& out);
RunEnd decode_run_end(std::span<const std::uint8_t> payload);
void encode_limits(const RecordingLimits& limits, std::vector<std::uint8_t>& out);
RecordingLimits decode_limits(std::span<const std::uint8_t> payload);
void encode_site_grid(const SiteSeries& series, const SiteGridState& state, std::vector<std::uint8_t>& out);
std::pair<SiteSeries, SiteGridState> decode_site_grid(std::span<const std::uint8_t> payload);

/// A list chunk without a prefix: the count (each item takes at least `min_item_bytes`, so a corrupt
/// count fails before anything is reserved), then `read_item(reader, item)` for each item in order.
template <typename Item, typename ReadItem>
std::vector<Item> decode_list(std::span<const std::uint8_t> payload, std::size_t min_item_bytes, ReadItem&& read_item) {
    PayloadReader r(payload);
    std::vector<Item> out(r.count(min_item_bytes));
    for (Item& item : out) read_item(r, item);
    return out;
}

/// One site's values, as site snapshots and process exits store them (SiteUpdate, ExitSite).
template <typename Site>
void encode_site_values(const Site& s, PayloadWriter& w) {
    w.varint(s.stack.value);
    w.svarint(s.live_bytes);
    w.svarint(s.live_count);
    w.varint(s.total_allocations);
    w.varint(s.total_bytes);
}
template <typename Site>
void decode_site_values(PayloadReader& r, Site& s) {
    s.stack = StackId{r.varint32()};
    s.live_bytes = r.svarint();
    s.live_count = r.svarint();
    s.total_allocations = r.varint();
    s.total_bytes = r.varint();
}

// Items of list chunks. Samples are delta-coded against the previous sample of the same chunk.
enum class SampleTier : std::uint8_t { recent = 0, older = 1 };
void encode_samples_prefix(SampleTier tier, std::uint32_t width, PayloadWriter& w);
void encode_sample(const SamplePoint& previous, const SamplePoint& point, PayloadWriter& w);
void encode_process(std::uint32_t index, const std::string& label, PayloadWriter& w);
void encode_module(const Module& module, PayloadWriter& w);
struct ModuleUnload {
    std::uint32_t process = 0;
    std::uint64_t start = 0;
    double t_s = 0;
};
void encode_module_unload(const ModuleUnload& unload, PayloadWriter& w);
void encode_stack(const Stack& stack, PayloadWriter& w);
void encode_site_snapshot(double t_s, std::span<const SiteUpdate> updates, PayloadWriter& w);
using SymbolKey = std::pair<std::uint32_t, std::uint64_t>;
void encode_symbol(const SymbolKey& key, const std::vector<ResolvedFrame>& frames, PayloadWriter& w);
void encode_warning(const std::string& warning, PayloadWriter& w);

// Whole list chunks, decoded. Samples are handed over one by one rather than collected: a forged,
// highly compressible chunk could otherwise expand ~16x in memory before the bounded model sees it.
using SampleSink = std::function<void(SampleTier tier, std::uint32_t width, const SamplePoint& point)>;
/// `format1`: chunk kind samples_v1, 17 fields per point; `counted_fields`: kind samples, whose prefix
/// states the field count (fields beyond the ones this version knows are read past).
enum class SampleLayout { format1, counted_fields };
void decode_samples(std::span<const std::uint8_t> payload, SampleLayout layout, const SampleSink& sink);
std::vector<std::pair<std::uint32_t, std::string>> decode_processes(std::span<const std::uint8_t> payload);
std::vector<Module> decode_modules(std::span<const std::uint8_t> payload);
std::vector<ModuleUnload> decode_module_unloads(std::span<const std::uint8_t> payload);
std::vector<Stack> decode_stacks(std::span<const std::uint8_t> payload);
struct SiteSnapshot {
    double t_s = 0;
    std::vector<SiteUpdate> updates;
};
std::vector<SiteSnapshot> decode_site_snapshots(std::span<const std::uint8_t> payload);
std::vector<std::pair<SymbolKey, std::vector<ResolvedFrame>>> decode_symbols(std::span<const std::uint8_t> payload);
std::vector<std::string> decode_warnings(std::span<const std::uint8_t> payload);

// Process exits (exit_payloads.cpp): one item per ended process, its sites embedded.
void encode_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites, PayloadWriter& w);
struct ProcessExitRecord {
    ProcessExit exit;
    std::vector<ExitSite> sites;
};
std::vector<ProcessExitRecord> decode_process_exits(std::span<const std::uint8_t> payload);
// Streams lost while their process ran (exit_payloads.cpp, beside the exits they are not).
void encode_tracking_loss(const TrackingLoss& loss, PayloadWriter& w);
std::vector<TrackingLoss> decode_tracking_losses(std::span<const std::uint8_t> payload);

}  // namespace leakscope::recording
