// Fuzz target for the collector's stream decoder: the input is a sequence of packets, each prefixed
// with a 2-byte little-endian length. Whatever the bytes, decoding must not crash or hang.
#include <cstddef>
#include <cstdint>

#include "collector/stream_decoder.hpp"

namespace {

struct NullSink : leakscope::collector::TrackerSink {
    void on_process(const leakscope::collector::TrackedProcess&) override {}
    void on_module(const leakscope::Module&) override {}
    void on_module_unloaded(const leakscope::Module&) override {}
    void on_stack(const leakscope::Stack&) override {}
    void on_site_update(const leakscope::collector::SiteUpdate&) override {}
    void on_totals(std::uint32_t, const leakscope::collector::TrackerTotals&) override {}
    void on_process_end(std::uint32_t, bool) override {}
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    leakscope::collector::DecoderIds ids;
    leakscope::collector::StreamDecoder decoder(ids, 0);
    NullSink sink;
    std::size_t pos = 0;
    while (pos + 2 <= size) {
        std::size_t length = data[pos] | (static_cast<std::size_t>(data[pos + 1]) << 8);
        pos += 2;
        if (length > size - pos) length = size - pos;
        if (!decoder.decode(data + pos, length, sink)) break;
        pos += length;
    }
    return 0;
}
