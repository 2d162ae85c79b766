// Encoding of the process-exit chunk (kind 14, format 2.1): how a tracked process ended and the call
// sites that still held memory then; and of the tracking-lost chunk (kind 15, format 2.2): a stream
// that ended while its process ran on. Kept apart from chunk_payloads.cpp, which holds the 2.0 kinds.
#include "recording/chunk_payloads.hpp"

namespace leakscope::recording {

void encode_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites, PayloadWriter& w) {
    w.varint(exit.process);
    w.f64(exit.t_s);
    w.boolean(exit.clean);
    w.svarint(exit.live_heap_bytes);
    w.svarint(exit.live_allocations);
    w.svarint(exit.mapped_bytes);
    w.varint(exit.allocations);
    w.varint(exit.frees);
    w.varint(sites.size());
    for (const ExitSite& s : sites) encode_site_values(s, w);
}

std::vector<ProcessExitRecord> decode_process_exits(std::span<const std::uint8_t> payload) {
    return decode_list<ProcessExitRecord>(payload, 15, [](PayloadReader& r, ProcessExitRecord& record) {
        auto& [exit, sites] = record;
        exit.process = r.varint32();
        exit.t_s = r.f64();
        exit.clean = r.boolean();
        exit.live_heap_bytes = r.svarint();
        exit.live_allocations = r.svarint();
        exit.mapped_bytes = r.svarint();
        exit.allocations = r.varint();
        exit.frees = r.varint();
        sites.resize(r.count(5));
        for (auto& s : sites) {
            decode_site_values(r, s);
            s.process = exit.process;
        }
    });
}

void encode_tracking_loss(const TrackingLoss& loss, PayloadWriter& w) {
    w.varint(loss.process);
    w.f64(loss.t_s);
    w.string(loss.reason);
}

std::vector<TrackingLoss> decode_tracking_losses(std::span<const std::uint8_t> payload) {
    return decode_list<TrackingLoss>(payload, 10, [](PayloadReader& r, TrackingLoss& loss) {
        loss.process = r.varint32();
        loss.t_s = r.f64();
        loss.reason = r.string();
    });
}

}  // namespace leakscope::recording
