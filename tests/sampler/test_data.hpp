// Helpers shared by the sampler tests: where the captured /proc files are, and scratch copies of them.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace leakscope::sampler::testing {

inline std::filesystem::path data_dir() { return SAMPLER_TEST_DATA_DIR; }

inline std::string read_data(const std::filesystem::path& relative) {
    std::ifstream in(data_dir() / relative, std::ios::binary);
    if (!in) throw std::runtime_error("missing test data " + (data_dir() / relative).string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

/// A scratch directory holding a copy of a data directory, removed when the test ends.
class ScratchCopy {
public:
    explicit ScratchCopy(const std::filesystem::path& relative) {
        char pattern[] = "/tmp/leakscope-sampler-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
        root_ = pattern;
        std::filesystem::copy(data_dir() / relative, root_, std::filesystem::copy_options::recursive);
    }
    ~ScratchCopy() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    ScratchCopy(const ScratchCopy&) = delete;
    ScratchCopy& operator=(const ScratchCopy&) = delete;

    const std::filesystem::path& path() const { return root_; }

private:
    std::filesystem::path root_;
};

}  // namespace leakscope::sampler::testing
