// symbolize_recording names frames in plumbing objects (libc here, the real one of this process) by
// their ELF symbol alone, and looks them up in full only where a site is named after one of them.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <clocale>
#include <cstring>

#include "fixture_support.hpp"
#include "symbols/debug_file_finder.hpp"
#include "symbols/frame_format.hpp"
#include "symbols/symbolizer.hpp"
#include "symbols/user_frame.hpp"

namespace leakscope::symbols {
namespace {

using AddressFunction = void* (*)();

// A return address inside `function`: what a stack that went through it would hold.
std::uint64_t inside(const void* function) { return reinterpret_cast<std::uint64_t>(function) + 16; }

class SymbolsPlumbingDetail : public testing::Test {
protected:
    void SetUp() override {
        handle_ = dlopen(FIXTURE_LIB_PATH, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(handle_, nullptr) << dlerror();
        auto fixture = symbols_test::loaded_modules("libsymbols_fixture.so");
        auto libc = symbols_test::loaded_modules("libc.so.6");
        ASSERT_EQ(fixture.size(), 1u);
        ASSERT_EQ(libc.size(), 1u);
        libc_ = libc[0];
        if (const auto id = read_elf_build_id(libc_.path)) libc_.build_id = *id;
        recording_.modules = {fixture[0], libc_};
        auto function = reinterpret_cast<AddressFunction>(dlsym(handle_, "fixture_direct"));
        ASSERT_NE(function, nullptr);
        user_code_ = reinterpret_cast<std::uint64_t>(function());
    }
    void TearDown() override { dlclose(handle_); }

    bool libc_has_debug_file() const {
        return !libc_.build_id.empty() && DebugFileFinder({"/usr/lib/debug"}).find_by_build_id(libc_.build_id).has_value();
    }
    std::vector<ResolvedFrame> stack_of(StackId id) const {
        std::vector<ResolvedFrame> frames;
        for (std::uint64_t address : recording_.stacks.at(id).frames) {
            const auto& resolved = recording_.symbols.at({0, address});
            frames.insert(frames.end(), resolved.begin(), resolved.end());
        }
        return frames;
    }
    // The stack as every frame looked up in full would give it.
    std::vector<ResolvedFrame> full_stack_of(StackId id) const {
        Symbolizer symbolizer;
        symbolizer.add_modules(recording_.modules);
        return symbolizer.symbolize_stack(0, recording_.stacks.at(id).frames);
    }

    void* handle_ = nullptr;
    Module libc_;
    Recording recording_;
    std::uint64_t user_code_ = 0;
};

TEST_F(SymbolsPlumbingDetail, LibcFramesUnderUserCodeAreNamedWithoutLines) {
    const std::uint64_t in_setlocale = inside(reinterpret_cast<const void*>(&setlocale));
    recording_.stacks[StackId{1}] = Stack{StackId{1}, 0, {in_setlocale, user_code_}};
    Symbolizer symbolizer;
    symbolize_recording(recording_, symbolizer);

    const auto& libc_frames = recording_.symbols.at({0, in_setlocale});
    ASSERT_EQ(libc_frames.size(), 1u);
    EXPECT_NE(libc_frames[0].function, "??");  // libc exports setlocale: .dynsym names it at least
    EXPECT_EQ(libc_frames[0].file, "");
    EXPECT_EQ(libc_frames[0].line, 0);
    EXPECT_EQ(libc_frames[0].module, libc_.path);
    EXPECT_EQ(libc_frames[0].module_offset, in_setlocale - libc_.load_bias);
    // The site is the fixture's function, with its line, as a full lookup names it.
    const auto frames = stack_of(StackId{1});
    const auto full = full_stack_of(StackId{1});
    EXPECT_EQ(format_frame(frames[user_frame_index(frames)]), format_frame(full[user_frame_index(full)]));
    EXPECT_EQ(frames[user_frame_index(frames)].function, "fixture_ns::direct_caller()");
    if (libc_has_debug_file()) {
        EXPECT_NE(full.front().file, "") << "libc6-dbg gives libc's frames their lines";
    }
}

TEST_F(SymbolsPlumbingDetail, ASiteNamedAfterLibcItselfReadsAsAFullLookup) {
    // An allocation libc makes on its own (no user code in the stack): strdup, called by setlocale.
    // The site is a libc frame, and reads as a full lookup of the stack names it (with libc6-dbg, glibc's
    // internal alias "__GI___strdup (strdup.c:41)", which is not an allocator entry point by that name).
    const std::uint64_t in_strdup = inside(reinterpret_cast<const void*>(&strdup));
    const std::uint64_t in_setlocale = inside(reinterpret_cast<const void*>(&setlocale));
    const std::uint64_t in_getdelim = inside(reinterpret_cast<const void*>(&getdelim));
    recording_.stacks[StackId{1}] = Stack{StackId{1}, 0, {in_strdup, in_setlocale, in_getdelim}};
    Symbolizer symbolizer;
    symbolize_recording(recording_, symbolizer);

    const auto frames = stack_of(StackId{1});
    const auto full = full_stack_of(StackId{1});
    std::string printed;
    for (const auto& frame : frames) printed += "  " + format_frame(frame) + "\n";
    SCOPED_TRACE("symbolized stack:\n" + printed);
    ASSERT_FALSE(user_code_index(frames));
    const std::size_t site = user_frame_index(frames);
    const std::size_t full_site = user_frame_index(full);
    EXPECT_EQ(format_frame(frames[site]), format_frame(full[full_site]));
    EXPECT_EQ(frames[site].function, full[full_site].function);
    EXPECT_EQ(frames[site].file, full[full_site].file);
    EXPECT_EQ(frames[site].line, full[full_site].line);
    EXPECT_EQ(frames[site].module, libc_.path);
    // The frames up to the site are the full answers; beyond it, libc keeps its names only.
    EXPECT_EQ(recording_.symbols.at({0, in_strdup}).size(), symbolizer.symbolize(0, in_strdup).size());
    EXPECT_EQ(recording_.symbols.at({0, in_getdelim}).front().file, "");
    if (libc_has_debug_file()) {
        EXPECT_NE(frames[site].file, "") << format_frame(frames[site]);
        EXPECT_GT(frames[site].line, 0) << format_frame(frames[site]);
    }
}

TEST_F(SymbolsPlumbingDetail, AFullAnswerIsSharedByEveryStackOfTheAddress) {
    // The same libc address under user code and in a libc-only stack: one answer per address, the full one.
    const std::uint64_t in_strdup = inside(reinterpret_cast<const void*>(&strdup));
    const std::uint64_t in_setlocale = inside(reinterpret_cast<const void*>(&setlocale));
    recording_.stacks[StackId{1}] = Stack{StackId{1}, 0, {in_strdup, in_setlocale, user_code_}};
    recording_.stacks[StackId{2}] = Stack{StackId{2}, 0, {in_strdup, in_setlocale}};
    Symbolizer symbolizer;
    symbolize_recording(recording_, symbolizer);
    const auto with_user = stack_of(StackId{1});
    EXPECT_EQ(with_user[user_frame_index(with_user)].function, "fixture_ns::direct_caller()");
    const auto alone = stack_of(StackId{2});
    const auto full = full_stack_of(StackId{2});
    EXPECT_EQ(format_frame(alone[user_frame_index(alone)]), format_frame(full[user_frame_index(full)]));
}

}  // namespace
}  // namespace leakscope::symbols
