// Runs a fixture program that records the stack of one std::vector allocation and prints it with its
// module map (as the tracker would), then symbolizes that stack after the program has exited.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "fixture_support.hpp"
#include "symbols/demangle.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/symbolizer.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::symbols {
namespace {

struct ProgramOutput {
    std::vector<Module> modules;
    std::vector<std::uint64_t> stack;
};

ProgramOutput run_fixture_program(const std::string& path) {
    ProgramOutput output;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(path.c_str(), "r"), pclose);
    if (!pipe) return output;
    char buffer[8192];
    while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        std::istringstream line(buffer);
        std::string kind;
        line >> kind;
        if (kind == "module") {
            Module module;
            line >> std::hex >> module.start >> module.end >> module.load_bias >> module.path;
            output.modules.push_back(module);
        } else if (kind == "stack") {
            std::uint64_t address = 0;
            while (line >> std::hex >> address) output.stack.push_back(address);
        }
    }
    return output;
}

class SymbolsProgram : public testing::TestWithParam<std::string> {};

TEST_P(SymbolsProgram, NamesTheUserLineOfAVectorAllocation) {
    const ProgramOutput program = run_fixture_program(GetParam());
    ASSERT_FALSE(program.modules.empty());
    ASSERT_GE(program.stack.size(), 3u);

    Symbolizer symbolizer;
    symbolizer.add_modules(program.modules);
    // backtrace() reports return addresses only, the innermost included.
    const auto frames = symbolizer.symbolize_stack(0, program.stack, AddressKind::return_address);
    std::string printed;
    for (const auto& frame : frames) printed += "  " + format_frame(frame) + "\n";
    SCOPED_TRACE("symbolized stack:\n" + printed);

    EXPECT_EQ(frames.front().function, "operator new(unsigned long)");
    EXPECT_EQ(short_file_name(frames.front().file), "fixture_prog.cpp");
    const std::size_t user = user_frame_index(frames);
    ASSERT_LT(user, frames.size());
    EXPECT_EQ(frames[user].function, "fixture_ns::fill_cache(std::vector<long, std::allocator<long> >&)");
    EXPECT_EQ(short_file_name(frames[user].file), "fixture_prog.cpp");
    EXPECT_EQ(frames[user].line, symbols_test::marked_line(FIXTURE_PROG_SOURCE, "user_push_back"));
    EXPECT_EQ(frames[user].module, GetParam());
    // Between operator new and the user's line lie only the standard library's frames.
    for (std::size_t i = 1; i < user; ++i) {
        EXPECT_TRUE(function_scope_name(frames[i].function).starts_with("std::")) << frames[i].function;
    }
    // The out-of-line _M_realloc_insert is one of them, and its inlined callees are expanded.
    bool realloc_insert_seen = false, inlined_seen = false;
    for (std::size_t i = 1; i < user; ++i) {
        realloc_insert_seen = realloc_insert_seen || frames[i].function.find("::_M_realloc_insert<") != std::string::npos;
        inlined_seen = inlined_seen || frames[i].inlined;
    }
    EXPECT_TRUE(realloc_insert_seen);
    EXPECT_TRUE(inlined_seen);
    // The whole stack is kept: main calls fill_cache, libc starts main.
    bool main_seen = false;
    for (std::size_t i = user + 1; i < frames.size(); ++i) main_seen = main_seen || frames[i].function == "main";
    EXPECT_TRUE(main_seen);
}

// PIE (loaded at a random bias) and a fixed-address ET_EXEC (bias 0, absolute addresses).
INSTANTIATE_TEST_SUITE_P(Executables, SymbolsProgram, testing::Values(FIXTURE_PROG_PATH, FIXTURE_PROG_NOPIE_PATH),
                         [](const testing::TestParamInfo<std::string>& info) {
                             return info.param.ends_with("_nopie") ? std::string("NoPie") : std::string("Pie");
                         });

}  // namespace
}  // namespace leakscope::symbols
