// Reading /proc files of processes that end while they are read (util/proc_text.hpp).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

#include "util/proc_text.hpp"

namespace leakscope::util {
namespace {

TEST(ProcText, ReadsAFileWhole) {
    const std::string stat = read_proc_text("/proc/self/stat");
    EXPECT_EQ(stat.rfind(std::to_string(::getpid()) + " (", 0), 0u) << stat;
}

TEST(ProcText, AFileThatFailsOnReadIsEmptyNotAnException) {
    // /proc/self/mem opens, and its first read (address 0, unmapped) fails as a gone process's file does
    // (EIO here, ESRCH there). Read through std::ifstream the same failure is an exception.
    EXPECT_EQ(read_proc_text("/proc/self/mem"), "");
    std::ifstream in("/proc/self/mem", std::ios::binary);
    ASSERT_TRUE(in.is_open());
    EXPECT_ANY_THROW((std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>())))
        << "the premise: libstdc++ throws from the buffer's underflow";
}

TEST(ProcText, AnEndedProcessIsEmpty) {
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    EXPECT_EQ(read_proc_text("/proc/" + std::to_string(child) + "/cmdline"), "");
}

}  // namespace
}  // namespace leakscope::util
