#include "sampled_block_cache.hpp"

#include <bit>

#include "live_table.hpp"
#include "usable_size.hpp"

namespace leakscope::tracker::sampled_block_cache {
namespace {

constexpr std::size_t kMinChunk = 32;         // glibc's smallest chunk
constexpr std::size_t kMaxClassChunk = kMaxClassChunkBytes;

/// glibc's chunk for a request of `size` bytes: the size and its 8-byte header, in 16-byte steps.
std::size_t chunk_for(std::size_t size) {
    const std::size_t chunk = (size + sizeof(std::size_t) + 15) & ~std::size_t{15};
    return chunk < kMinChunk ? kMinChunk : chunk;
}

/// The class of a chunk size (`class_chunk` gets the class's chunk), or -1 above the largest.
int class_of(std::size_t chunk, std::size_t& class_chunk) {
    if (chunk > kMaxClassChunk) return -1;
    if (chunk <= 64) {
        class_chunk = chunk;
        return static_cast<int>(chunk / 16) - 2;
    }
    const int doubling = std::bit_width(chunk - 1) - 1;  // chunk in (2^doubling, 2^(doubling + 1)]
    const std::size_t step = std::size_t{1} << (doubling - 2);
    const std::size_t quarters = (chunk + step - 1) / step;  // 5 to 8
    class_chunk = quarters * step;
    return 3 + (doubling - 6) * 4 + static_cast<int>(quarters) - 5;
}

void add_held(SampledBlockCache& cache, std::int64_t bytes) {
    cache.held.store(cache.held.load(std::memory_order_relaxed) + static_cast<std::uint64_t>(bytes), std::memory_order_relaxed);
}

}  // namespace

std::size_t class_usable_bytes(std::size_t size) {
    std::size_t class_chunk = 0;
    if (class_of(chunk_for(size), class_chunk) < 0) return 0;
    return class_chunk - sizeof(std::size_t);
}

void* take(SampledBlockCache& cache, std::size_t usable_bytes) {
    std::size_t class_chunk = 0;
    const int k = class_of(chunk_for(usable_bytes), class_chunk);
    if (k < 0 || cache.counts[k] == 0) return nullptr;
    add_held(cache, -static_cast<std::int64_t>(class_chunk));
    return cache.blocks[k][--cache.counts[k]];
}

bool keep(SampledBlockCache& cache, void* block) {
    if (reinterpret_cast<std::uintptr_t>(block) & (LiveTable::kSampledBlockAlignment - 1)) return false;
    const std::size_t header = glibc_chunk_header(block);
    if (header & kGlibcIsMmapped) return false;
    const std::size_t chunk = glibc_chunk_bytes(header);
    std::size_t class_chunk = 0;
    const int k = class_of(chunk, class_chunk);
    if (k < 0 || class_chunk != chunk) return false;  // grown or shrunk in place by a realloc: not a class's
    if (cache.counts[k] == SampledBlockCache::kPerClass ||
        cache.held.load(std::memory_order_relaxed) + chunk > SampledBlockCache::kMaxHeldBytes)
        return false;
    cache.blocks[k][cache.counts[k]++] = block;
    add_held(cache, static_cast<std::int64_t>(chunk));
    return true;
}

}  // namespace leakscope::tracker::sampled_block_cache
