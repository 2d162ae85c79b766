// Runs a libFuzzer entry point without libFuzzer: every file of the corpus directories given on the
// command line, then a fixed number of deterministic mutations of them (bit flips, truncations,
// insertions, splices), so every CTest run exercises the parser against damaged input. A crash or a
// sanitizer report fails the test; a return is a pass.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::vector<std::uint8_t>> load_corpus(int argc, char** argv) {
    std::vector<std::vector<std::uint8_t>> corpus;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path dir(argv[i]);
        if (!std::filesystem::exists(dir)) continue;
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
            if (!entry.is_regular_file()) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    if (corpus.empty()) corpus.emplace_back();
    return corpus;
}

std::vector<std::uint8_t> mutate(std::vector<std::uint8_t> input,
                                 const std::vector<std::vector<std::uint8_t>>& corpus, std::mt19937_64& rng) {
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
        switch (rng() % 5) {
            case 0:  // flip a bit
                if (!input.empty()) input[rng() % input.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                break;
            case 1:  // truncate
                if (!input.empty()) input.resize(rng() % input.size());
                break;
            case 2: {  // insert random bytes
                const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
                const std::size_t n = 1 + rng() % 16;
                std::vector<std::uint8_t> bytes(n);
                for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
                input.insert(input.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin(), bytes.end());
                break;
            }
            case 3:  // overwrite with an interesting value
                if (input.size() >= 4) {
                    static const std::uint32_t values[] = {0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 255};
                    const std::uint32_t v = values[rng() % std::size(values)];
                    const std::size_t at = rng() % (input.size() - 3);
                    std::copy_n(reinterpret_cast<const std::uint8_t*>(&v), 4, input.begin() + static_cast<std::ptrdiff_t>(at));
                }
                break;
            default: {  // splice with another corpus entry
                const auto& other = corpus[rng() % corpus.size()];
                if (!other.empty()) {
                    const std::size_t cut = input.empty() ? 0 : rng() % input.size();
                    input.resize(cut);
                    input.insert(input.end(), other.begin() + static_cast<std::ptrdiff_t>(rng() % other.size()), other.end());
                }
            }
        }
    }
    return input;
}

}  // namespace

int main(int argc, char** argv) {
    const auto corpus = load_corpus(argc, argv);
    const char* env_runs = std::getenv("LEAKSCOPE_FUZZ_RUNS");
    const long runs = env_runs ? std::atol(env_runs) : 20000;
    for (const auto& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());
    std::mt19937_64 rng(0x1eab5c09e);  // fixed seed: the same inputs every run
    for (long i = 0; i < runs; ++i) {
        const auto input = mutate(corpus[static_cast<std::size_t>(i) % corpus.size()], corpus, rng);
        LLVMFuzzerTestOneInput(input.data(), input.size());
    }
    std::printf("replayed %zu corpus inputs and %ld mutations\n", corpus.size(), runs);
    return 0;
}
