// A warm-up that settles, in big steps of the heap over a page-by-page creep of RSS (written in session
// 15 as a held-out check, never tuned on): a map tile server's label renderer. Two render threads draw
// 50 tiles a second, each with labels of 6-22 glyphs in one of 6 fonts and 6 pixel sizes, over 1,200
// code points of the scripts the map covers, spread evenly. A glyph is rasterized the first time it is
// drawn and packed into a glyph atlas: 1024x512 8-bit pages (512 KiB, allocated with new[] and not
// initialized, so glibc maps them and their pages become resident only as shelves of glyphs are
// written), with shelf packing; its place is kept in an unordered_map. The set of glyphs is finite
// (6 x 6 x 1,200 = 43,200), drawn evenly at ~21,600 lookups a second: the glyphs not yet rasterized
// fall as e^(-t/2 s), a coupon collector, so new atlas pages come ever more rarely and stop.
// Truth: not a leak: a warm-up of ~28 MB (54 atlas pages and the glyph index) that decelerates and
// settles: 86% of the glyphs are in by 4 s, 98% by 8 s, 99.7% by 12 s; the heap rises in 512 KiB steps
// that come ever further apart (shelves of mixed sizes waste a third of each page, so the last page
// can open late: here at 13.1 s, 5.2 s after the one before) while RSS creeps up by shelves. Each
// tile's own buffers (a 64 KiB canvas reused per thread, an encoded tile of 4-20 kB) are freed per tile.
// Measured (tests/accuracy/measure.py, session 15): live heap 1.9 -> 18.5 MB (0-2 s) -> 25.6 (4 s) ->
// 28.3 (6 s) -> 29.7 (7.9 s) -> 30.24 (13.1 s, the 54th page), 30.24 MB at 18 s; page steps at 0.3-3.9 s
// every 0.1-0.3 s, then 4.2, 4.4, 4.8, 5.2, 5.8, 6.7, 7.3, 7.9 and 13.1 s. RSS 36.2 -> 36.5 MB over 8-10 s,
// 36.7 MB from 14 s; without the tracker 28.2 -> 31.9 MB over 4-8 s, +38 kB/s over 8-18 s, +7 kB/s over
// 12-18 s. 43,191 glyphs in 54 pages at the end.
// Usage: glyph_atlas_settling SECONDS
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "work_queue.hpp"

namespace {

constexpr int kFonts = 6;
constexpr int kSizes[] = {12, 16, 20, 24, 32, 40};
constexpr int kSizeCount = 6;
constexpr int kCodePoints = 1200;
constexpr int kPageWidth = 1024, kPageHeight = 512;

struct GlyphKey {
    int font, size_index, code_point;
    std::uint32_t packed() const {
        return static_cast<std::uint32_t>((font * kSizeCount + size_index) * kCodePoints + code_point);
    }
};

struct AtlasSlot {
    std::uint16_t page, x, y;
    std::uint8_t width, height;
};

// Shelf packing into fixed-size pages: a glyph goes on the current shelf if it fits in what is left of
// its width and height; else a new shelf opens below; else a new page.
class GlyphAtlas {
public:
    // Renderers read pages without the lock: the page table never reallocates (at most 256 pages).
    GlyphAtlas() { pages_.reserve(256); }
    const AtlasSlot& find_or_rasterize(const GlyphKey& key) {
        std::lock_guard lock(mutex_);
        auto it = slots_.find(key.packed());
        if (it != slots_.end()) return it->second;
        return slots_.emplace(key.packed(), rasterize(key)).first->second;
    }
    const std::uint8_t* page(std::uint16_t p) const { return pages_[p].get(); }
    std::size_t glyphs() {
        std::lock_guard lock(mutex_);
        return slots_.size();
    }
    std::size_t pages() {
        std::lock_guard lock(mutex_);
        return pages_.size();
    }

private:
    AtlasSlot rasterize(const GlyphKey& key) {
        const int size = kSizes[key.size_index];
        const int width = size * (9 + key.code_point % 7) / 20;
        const int height = size + key.code_point % 3;
        if (pages_.empty() || shelf_x_ + width > kPageWidth) {
            shelf_y_ += shelf_height_;
            shelf_x_ = 0;
            shelf_height_ = 0;
        }
        if (pages_.empty() || shelf_y_ + height > kPageHeight) open_page();
        if (height > shelf_height_) shelf_height_ = height;
        AtlasSlot slot{static_cast<std::uint16_t>(pages_.size() - 1), static_cast<std::uint16_t>(shelf_x_),
                       static_cast<std::uint16_t>(shelf_y_), static_cast<std::uint8_t>(width),
                       static_cast<std::uint8_t>(height)};
        // The coverage bitmap: a soft disc standing in for the outline's rasterization.
        std::uint8_t* page = pages_.back().get();
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                const int dx = 2 * x - width, dy = 2 * y - height;
                const int d = dx * dx + dy * dy;
                page[(shelf_y_ + y) * kPageWidth + shelf_x_ + x] =
                    static_cast<std::uint8_t>(d < width * height ? 255 - d * 255 / (width * height + 1) : 0);
            }
        shelf_x_ += width + 1;
        return slot;
    }
    __attribute__((noinline)) void open_page() {
        pages_.emplace_back(new std::uint8_t[kPageWidth * kPageHeight]);
        shelf_x_ = shelf_y_ = shelf_height_ = 0;
    }

    std::mutex mutex_;
    std::unordered_map<std::uint32_t, AtlasSlot> slots_;
    std::vector<std::unique_ptr<std::uint8_t[]>> pages_;
    int shelf_x_ = 0, shelf_y_ = 0, shelf_height_ = 0;
};

struct Label {
    int font = 0, size_index = 0;
    std::vector<int> code_points;
};

struct Tile {
    std::vector<Label> labels;
};

class TileRenderer {
public:
    explicit TileRenderer(GlyphAtlas& atlas) : atlas_(atlas), canvas_(256 * 256) {}
    std::size_t render(const Tile& tile) {
        std::memset(canvas_.data(), 0, canvas_.size());
        int pen_y = 0;
        for (const Label& label : tile.labels) {
            int pen_x = 0;
            for (int cp : label.code_points) {
                const AtlasSlot& s = atlas_.find_or_rasterize({label.font, label.size_index, cp});
                const std::uint8_t* src = atlas_.page(s.page);
                for (int y = 0; y < s.height && pen_y + y < 256; ++y)
                    for (int x = 0; x < s.width && pen_x + x < 256; ++x)
                        canvas_[static_cast<std::size_t>((pen_y + y) * 256 + pen_x + x)] |=
                            src[(s.y + y) * kPageWidth + s.x + x];
                pen_x = (pen_x + s.width) % 240;
            }
            pen_y = (pen_y + 24) % 232;
        }
        // The encoded tile: a run-length pass over the canvas stands in for the PNG encoder.
        std::string encoded;
        encoded.reserve(4096);
        for (std::size_t k = 0; k < canvas_.size(); k += 16) encoded.push_back(static_cast<char>(canvas_[k] | 1));
        encoded.append(4000 + encoded.size() % 12000, 'p');
        return encoded.size();
    }

private:
    GlyphAtlas& atlas_;
    std::vector<std::uint8_t> canvas_;
};

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 18);
    GlyphAtlas atlas;
    pattern::WorkQueue<Tile> queue;
    std::vector<std::thread> renderers;
    std::size_t bytes[2] = {0, 0};
    for (int w = 0; w < 2; ++w)
        renderers.emplace_back([&, w] {
            TileRenderer renderer(atlas);
            Tile tile;
            while (queue.pop(tile)) bytes[w] += renderer.render(tile);
        });
    std::mt19937 rng(1515);
    std::uint64_t lookups = 0;
    // 50 ticks a second, one tile each with labels until 432 glyphs: ~21,600 glyph lookups a second.
    pattern::every(0.02, seconds, [&](long, double) {
        Tile tile;
        int glyphs = 0;
        while (glyphs < 432) {
            Label label;
            label.font = static_cast<int>(rng() % kFonts);
            label.size_index = static_cast<int>(rng() % kSizeCount);
            const int n = std::min(6 + static_cast<int>(rng() % 17), 432 - glyphs);
            // Every glyph of a label is drawn on its own from the even mix, so the 43,200 keys stay
            // equally likely.
            for (int k = 0; k < n; ++k) label.code_points.push_back(static_cast<int>(rng() % kCodePoints));
            glyphs += n;
            tile.labels.push_back(std::move(label));
        }
        lookups += static_cast<std::uint64_t>(glyphs);
        queue.push(std::move(tile));
    });
    queue.close();
    for (auto& r : renderers) r.join();
    std::fprintf(stderr, "%zu glyphs in %zu atlas pages after %llu lookups, %zu bytes of tiles\n", atlas.glyphs(),
                 atlas.pages(), static_cast<unsigned long long>(lookups), bytes[0] + bytes[1]);
    return 0;
}
