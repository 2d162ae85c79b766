// Module paths come from the target (issue 16, item 6): a FIFO or a device named as a module, or as the
// executable, must never be opened for reading; symbolizing answers module+offset at once instead.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "symbols/debug_file_finder.hpp"
#include "symbols/regular_file.hpp"
#include "symbols/symbolizer.hpp"

namespace leakscope::symbols {
namespace {

namespace fs = std::filesystem;

/// Runs `body` in a child with a 10 s alarm: a hang shows as a failure, not as a stuck test.
void finishes_in_time(const std::function<void()>& body) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::alarm(10);
        body();
        ::_exit(::testing::Test::HasFailure() ? 1 : 0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_FALSE(WIFSIGNALED(status)) << "hung (killed by signal " << WTERMSIG(status) << ")";
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(UntrustedModulePaths, AFifoIsNeverOpenedForReading) {
    const fs::path fifo = fs::temp_directory_path() / ("leakscope-fifo-" + std::to_string(::getpid()));
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    finishes_in_time([&] {
        EXPECT_EQ(open_regular_file(fifo.string()), -1);
        EXPECT_FALSE(identify_elf(fifo.string()).is_elf);
        Symbolizer symbolizer;
        Module module;
        module.start = 0x400000;
        module.end = 0x500000;
        module.path = fifo.string();
        symbolizer.add_modules({module});
        const auto frames = symbolizer.symbolize(0, 0x401234);
        ASSERT_EQ(frames.size(), 1u);
        EXPECT_EQ(frames[0].function, "??");
        EXPECT_EQ(frames[0].module, fifo.string());
    });
    fs::remove(fifo);
}

TEST(UntrustedModulePaths, DevicesAndDirectoriesAreRefused) {
    finishes_in_time([] {
        for (const char* path : {"/dev/zero", "/dev/tty", "/dev/null", "/proc/self/mem", "/tmp"})
            EXPECT_EQ(open_regular_file(path), -1) << path;
        EXPECT_FALSE(identify_elf("/dev/zero").is_elf);
    });
    const int fd = open_regular_file("/proc/self/exe");
    EXPECT_GE(fd, 0) << "a regular file opens";
    if (fd >= 0) ::close(fd);
}

TEST(UntrustedModulePaths, SymbolizationStopsOpeningObjectsPastItsTimeBudget) {
    SymbolizerOptions options;
    options.time_budget_s = 0;
    Symbolizer symbolizer(options);
    Module module;
    module.start = 0x400000;
    module.end = 0x500000;
    module.path = "/proc/self/exe";
    symbolizer.add_modules({module});
    EXPECT_EQ(symbolizer.symbolize(0, 0x401234)[0].function, "??");
    EXPECT_EQ(symbolizer.stats().modules_opened, 0u);
    ASSERT_EQ(symbolizer.warnings().size(), 1u);
    EXPECT_NE(symbolizer.warnings()[0].find("time budget"), std::string::npos);
}

}  // namespace
}  // namespace leakscope::symbols
