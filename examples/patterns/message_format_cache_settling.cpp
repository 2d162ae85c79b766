// A settling warm-up: a cache over a finite key space, filled on first use (written in session 17 as
// a held-out check, never tuned on): a notification service's localization layer. Every message it
// renders (order shipped, password reset, invoice due...) goes through a compiled message format: the
// ICU-style template for (locale, message id) is parsed once, on first use, into its literal and
// placeholder segments and a plural table, and kept for the life of the process (there is no
// eviction: the catalog is finite, 36 locales x 700 messages = 25,200 formats). Two render threads
// look up 7,000 formats a second each, the (locale, message) pair drawn uniformly, under a
// shared_mutex (readers share, a miss compiles under the exclusive lock).
// Truth: not a leak: a warm-up that decelerates from the start, then flat. Each key is first seen at
// an exponential time with mean 25,200 / 14,000 a second = 1.8 s, so the cache is 43% full at 1 s, 89%
// at 4 s, 99% at 8 s, 99.9% at 12.4 s and 99.99% at 16.6 s: the fill rate falls from ~14 MB/s at the
// start to ~0.1 MB/s at 9 s and ~10 kB/s at 13 s. ~25 MB in all (a compiled format is ~1 kB with its
// key and hash node); the bucket array is reserved at start, so it adds no steps.
// Measured (tests/accuracy/measure.py, session 17): live heap 1.9 -> 24.9 MB over 0-4 s, 25.0 -> 27.8 MB
// over 4-8 s (+664 kB/s), 27.8 -> 28.1 MB over 8-12 s (+65 kB/s), 28.11 -> 28.14 MB over 12-16 s
// (+5.5 kB/s): ~26.2 MB in all; RSS without the tracker 32.0 MB at 4 s, 35.3 -> 35.6 MB over 8-16 s
// (+34 kB/s); 25,197 of the 25,200 formats compiled at 16 s.
// Usage: message_format_cache_settling SECONDS
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pacing.hpp"
#include "mix.h"

namespace {

constexpr int kLocales = 36;
constexpr int kMessages = 700;
const char* const kLocaleNames[kLocales] = {
    "en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "es-MX", "it-IT", "pt-BR", "pt-PT", "nl-NL", "sv-SE", "da-DK",
    "nb-NO", "fi-FI", "pl-PL", "cs-CZ", "sk-SK", "hu-HU", "ro-RO", "bg-BG", "el-GR", "tr-TR", "ru-RU", "uk-UA",
    "he-IL", "ar-SA", "hi-IN", "th-TH", "vi-VN", "id-ID", "ms-MY", "ja-JP", "ko-KR", "zh-CN", "zh-TW", "fr-CA"};

struct Segment {
    bool placeholder;
    std::string text;  // a literal run, or the argument's name
};

struct CompiledFormat {
    std::vector<Segment> segments;
    std::vector<std::string> plural_forms;  // "one", "few", "many", "other"... per the locale's rules
    std::uint64_t uses = 0;
};

// What the translators wrote for (locale, message): 60-420 characters, with 1-6 placeholders. Made
// up here from the pair, so every run compiles the same formats.
std::string source_template(int locale, int message) {
    const std::uint64_t h = mix(std::uint64_t(locale) * 100003 + message);
    const std::size_t length = 60 + h % 360;
    const int placeholders = 1 + int((h >> 20) % 6);
    std::string source;
    source.reserve(length + 16 * placeholders);
    for (int p = 0; p <= placeholders; ++p) {
        source.append(length / (placeholders + 1), 'a' + char((h >> (p * 3)) % 26));
        if (p < placeholders) source += "{arg" + std::to_string(p) + "}";
    }
    return source;
}

__attribute__((noinline)) CompiledFormat compile_format(int locale, int message) {
    const std::string source = source_template(locale, message);
    CompiledFormat format;
    std::size_t start = 0;
    while (start < source.size()) {
        const std::size_t open = source.find('{', start);
        if (open == std::string::npos) {
            format.segments.push_back({false, source.substr(start)});
            break;
        }
        if (open > start) format.segments.push_back({false, source.substr(start, open - start)});
        const std::size_t close = source.find('}', open);
        format.segments.push_back({true, source.substr(open + 1, close - open - 1)});
        start = close + 1;
    }
    const int forms = 2 + locale % 5;
    for (int f = 0; f < forms; ++f) format.plural_forms.push_back("plural-form-" + std::to_string(f) + "-" + kLocaleNames[locale]);
    return format;
}

class FormatCache {
public:
    FormatCache() { formats_.reserve(kLocales * kMessages); }

    // Renders the message (its length stands for the text), compiling its format on first use.
    std::size_t render(int locale, int message) {
        char key[48];
        std::snprintf(key, sizeof key, "%s/notification.%04d", kLocaleNames[locale], message);
        {
            std::shared_lock<std::shared_mutex> lock(mutex_);
            auto found = formats_.find(key);
            if (found != formats_.end()) return length_of(found->second);
        }
        std::unique_lock<std::shared_mutex> lock(mutex_);
        auto [slot, inserted] = formats_.try_emplace(key);
        if (inserted) slot->second = compile_format(locale, message);
        return length_of(slot->second);
    }

    std::size_t size() {
        std::shared_lock<std::shared_mutex> lock(mutex_);
        return formats_.size();
    }

private:
    static std::size_t length_of(const CompiledFormat& format) {
        std::size_t length = 0;
        for (const Segment& s : format.segments) length += s.placeholder ? 12 : s.text.size();
        return length;
    }

    std::shared_mutex mutex_;
    std::unordered_map<std::string, CompiledFormat> formats_;
};

void render_thread(FormatCache& cache, int id, double seconds) {
    std::uint64_t seed = 4000 + id, rendered_bytes = 0, rendered = 0;
    pattern::every(0.01, seconds, [&](long, double) {
        for (int k = 0; k < 70; ++k) {  // 7,000 renders a second per thread
            seed = mix(seed);
            rendered_bytes += cache.render(int(seed % kLocales), int((seed >> 16) % kMessages));
            ++rendered;
        }
    });
    std::fprintf(stderr, "render thread %d: %llu messages, %llu bytes\n", id, (unsigned long long)rendered,
                 (unsigned long long)rendered_bytes);
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = pattern::run_seconds(argc, argv, 16);
    FormatCache cache;
    std::thread other(render_thread, std::ref(cache), 1, seconds);
    render_thread(cache, 0, seconds);
    other.join();
    std::fprintf(stderr, "%zu of %d formats compiled\n", cache.size(), kLocales * kMessages);
    return 0;
}
