// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of every chunk. Our own
// table-driven version so the format adds no dependency beyond zstd.
#pragma once

#include <cstddef>
#include <cstdint>

namespace leakscope::recording {

/// Continues a CRC: pass the previous result as `crc` (0 to start).
std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace leakscope::recording
