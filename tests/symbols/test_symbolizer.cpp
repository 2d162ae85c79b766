// Symbolizes real return addresses taken inside the fixture library (dlopen'ed into this process),
// against the library itself and against stripped copies with their debug files split out.
#include "symbols/symbolizer.hpp"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "fixture_support.hpp"
#include "symbols/frame_format.hpp"

namespace leakscope::symbols {
namespace {

const std::string kSource = FIXTURE_LIB_SOURCE;
const std::string kVariants = FIXTURE_VARIANTS_DIR;
using AddressFunction = void* (*)();

class SymbolsSymbolizer : public testing::Test {
protected:
    static void SetUpTestSuite() {
        handle_ = dlopen(FIXTURE_LIB_PATH, RTLD_NOW | RTLD_LOCAL);
        ASSERT_NE(handle_, nullptr) << dlerror();
    }
    static void TearDownTestSuite() { dlclose(handle_); }

    void SetUp() override {
        auto modules = symbols_test::loaded_modules("libsymbols_fixture.so");
        ASSERT_EQ(modules.size(), 1u);
        library_ = modules[0];
    }

    static std::uint64_t call(const char* name) {
        auto function = reinterpret_cast<AddressFunction>(dlsym(handle_, name));
        EXPECT_NE(function, nullptr) << name;
        return reinterpret_cast<std::uint64_t>(function());
    }
    static std::uint64_t address_of(const char* name) { return reinterpret_cast<std::uint64_t>(dlsym(handle_, name)); }

    // The fixture library's module entry, pointing at another file of the same layout.
    Module library_at(const std::string& path, const std::string& build_id = "") const {
        Module module = library_;
        module.path = path;
        module.build_id = build_id;
        return module;
    }
    static std::string build_id() { return symbols_test::read_text(kVariants + "/build_id.txt"); }

    static void expect_inlined_chain(const std::vector<ResolvedFrame>& frames) {
        ASSERT_EQ(frames.size(), 3u);
        EXPECT_EQ(frames[0].function, "fixture_ns::inlined_inner(int)");
        EXPECT_EQ(short_file_name(frames[0].file), "fixture_lib.cpp");
        EXPECT_EQ(frames[0].line, symbols_test::marked_line(kSource, "inner_calls_capture"));
        EXPECT_TRUE(frames[0].inlined);
        EXPECT_EQ(frames[1].function, "fixture_ns::inlined_outer(int)");
        EXPECT_EQ(frames[1].line, symbols_test::marked_line(kSource, "outer_calls_inner"));
        EXPECT_TRUE(frames[1].inlined);
        EXPECT_EQ(frames[2].function, "fixture_ns::Accumulator<int>::add(int)");
        EXPECT_EQ(short_file_name(frames[2].file), "fixture_lib.cpp");
        EXPECT_EQ(frames[2].line, symbols_test::marked_line(kSource, "add_calls_outer"));
        EXPECT_FALSE(frames[2].inlined);
    }

    static inline void* handle_ = nullptr;
    Module library_;
};

TEST_F(SymbolsSymbolizer, ExpandsInlinedFramesInnermostFirst) {
    Symbolizer symbolizer;
    symbolizer.add_modules({library_});
    const std::uint64_t address = call("fixture_inlined_chain");
    const auto frames = symbolizer.symbolize(0, address);
    expect_inlined_chain(frames);
    for (const auto& frame : frames) {
        EXPECT_EQ(frame.module, library_.path);
        EXPECT_EQ(frame.module_offset, address - library_.load_bias);
    }
}

TEST_F(SymbolsSymbolizer, NamesADirectCallAndItsLine) {
    Symbolizer symbolizer;
    symbolizer.add_modules({library_});
    const auto frames = symbolizer.symbolize(0, call("fixture_direct"));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, "fixture_ns::direct_caller()");
    EXPECT_EQ(frames[0].line, symbols_test::marked_line(kSource, "direct_call"));
    EXPECT_EQ(format_frame(frames[0]),
              "fixture_ns::direct_caller() (fixture_lib.cpp:" + std::to_string(frames[0].line) + ")");
}

TEST_F(SymbolsSymbolizer, ExactPcIsNotMovedBack) {
    Symbolizer symbolizer;
    symbolizer.add_modules({library_});
    // A function's first byte: looked up as is it is that function; one byte earlier it is not.
    const std::uint64_t entry = address_of("fixture_exported_caller");
    EXPECT_EQ(symbolizer.symbolize(0, entry, AddressKind::exact_pc).at(0).function, "fixture_exported_caller");
    EXPECT_NE(symbolizer.symbolize(0, entry, AddressKind::return_address).back().function, "fixture_exported_caller");
}

TEST_F(SymbolsSymbolizer, OpensEachModuleOnceAndCachesAddresses) {
    Symbolizer symbolizer;
    symbolizer.add_modules({library_});
    const std::uint64_t inlined = call("fixture_inlined_chain");
    const std::uint64_t direct = call("fixture_direct");
    const auto first = symbolizer.symbolize(0, inlined);
    for (int i = 0; i < 10; ++i) {
        const auto again = symbolizer.symbolize(0, inlined);
        ASSERT_EQ(again.size(), first.size());
        EXPECT_EQ(again[0].function, first[0].function);
        EXPECT_EQ(again[0].line, first[0].line);
    }
    symbolizer.symbolize(0, direct);
    EXPECT_EQ(symbolizer.stats().lookups, 12u);
    EXPECT_EQ(symbolizer.stats().cache_hits, 10u);
    EXPECT_EQ(symbolizer.stats().modules_opened, 1u);
    EXPECT_TRUE(symbolizer.warnings().empty());
}

TEST_F(SymbolsSymbolizer, SameLibraryInTwoProcessesAtOtherAddresses) {
    Symbolizer symbolizer;
    Module elsewhere = library_;
    const std::uint64_t shift = 0x10000000;
    elsewhere.process = 1;
    elsewhere.start += shift;
    elsewhere.end += shift;
    elsewhere.load_bias += shift;
    symbolizer.add_modules({library_, elsewhere});
    const std::uint64_t address = call("fixture_inlined_chain");
    expect_inlined_chain(symbolizer.symbolize(1, address + shift));
    EXPECT_EQ(symbolizer.stats().modules_opened, 1u);
    // The unshifted address means nothing in process 1.
    EXPECT_EQ(symbolizer.symbolize(1, address).at(0).module, "");
}

TEST_F(SymbolsSymbolizer, FindsTheDebugFileByBuildId) {
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent", kVariants + "/debugroot"}});
    symbolizer.add_modules({library_at(kVariants + "/stripped/libsymbols_fixture.so")});
    expect_inlined_chain(symbolizer.symbolize(0, call("fixture_inlined_chain")));
}

TEST_F(SymbolsSymbolizer, FollowsGnuDebuglink) {
    Symbolizer symbolizer({.debug_dirs = {}});
    symbolizer.add_modules({library_at(kVariants + "/debuglink/libsymbols_fixture.so")});
    expect_inlined_chain(symbolizer.symbolize(0, call("fixture_inlined_chain")));
}

TEST_F(SymbolsSymbolizer, DebuglinkWithoutBuildIdIsCheckedByCrc) {
    Symbolizer good({.debug_dirs = {}});
    good.add_modules({library_at(kVariants + "/nobuildid/libsymbols_fixture.so")});
    expect_inlined_chain(good.symbolize(0, call("fixture_inlined_chain")));
    Symbolizer bad({.debug_dirs = {}});
    bad.add_modules({library_at(kVariants + "/nobuildid_badcrc/libsymbols_fixture.so")});
    const auto frames = bad.symbolize(0, call("fixture_inlined_chain"));
    // .symtab is still there: the function is named, but no line comes from the rejected file.
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, "fixture_ns::Accumulator<int>::add(int)");
    EXPECT_EQ(frames[0].line, 0);
}

TEST_F(SymbolsSymbolizer, StrippedWithoutDebugInfoGivesSymbolsAndOffsets) {
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    const Module stripped = library_at(kVariants + "/stripped/libsymbols_fixture.so");
    symbolizer.add_modules({stripped});
    const std::uint64_t address = call("fixture_inlined_chain");
    const auto frames = symbolizer.symbolize(0, address);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, "fixture_ns::Accumulator<int>::add(int)");  // from .symtab
    EXPECT_TRUE(frames[0].file.empty());
    EXPECT_EQ(frames[0].module_offset, address - library_.load_bias);
    char expected[128];
    std::snprintf(expected, sizeof expected, "fixture_ns::Accumulator<int>::add(int) (libsymbols_fixture.so+%#lx)",
                  static_cast<unsigned long>(address - library_.load_bias));
    EXPECT_EQ(format_frame(frames[0]), expected);
}

TEST_F(SymbolsSymbolizer, FullyStrippedKeepsOnlyDynamicSymbols) {
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    symbolizer.add_modules({library_at(kVariants + "/stripped_all/libsymbols_fixture.so")});
    const auto exported = symbolizer.symbolize(0, call("fixture_exported_caller"));
    ASSERT_EQ(exported.size(), 1u);
    EXPECT_EQ(exported[0].function, "fixture_exported_caller");
    EXPECT_TRUE(exported[0].file.empty());
    // direct_caller is hidden: no symbol covers it any more, but the offset still places the frame.
    const std::uint64_t hidden = call("fixture_direct");
    const auto frames = symbolizer.symbolize(0, hidden);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0].function, "fixture_ns::direct_caller()");
    EXPECT_EQ(frames[0].line, 0);
    EXPECT_EQ(frames[0].module_offset, hidden - library_.load_bias);
    EXPECT_TRUE(symbolizer.warnings().empty());
}

TEST_F(SymbolsSymbolizer, MissingFileGivesModuleAndOffset) {
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    symbolizer.add_modules({library_at("/nonexistent/libgone.so", build_id())});
    const std::uint64_t address = call("fixture_direct");
    for (int i = 0; i < 2; ++i) {  // the failure is remembered, not retried per address
        const auto frames = symbolizer.symbolize(0, address);
        ASSERT_EQ(frames.size(), 1u);
        EXPECT_EQ(frames[0].function, "??");
        EXPECT_EQ(frames[0].module, "/nonexistent/libgone.so");
        EXPECT_EQ(frames[0].module_offset, address - library_.load_bias);
    }
    EXPECT_EQ(symbolizer.stats().modules_failed, 1u);
    ASSERT_EQ(symbolizer.warnings().size(), 1u);
    EXPECT_NE(symbolizer.warnings()[0].find("/nonexistent/libgone.so"), std::string::npos);
}

TEST_F(SymbolsSymbolizer, MissingFileStillResolvesThroughItsDebugFile) {
    Symbolizer symbolizer({.debug_dirs = {kVariants + "/debugroot"}});
    symbolizer.add_modules({library_at("/nonexistent/libgone.so", build_id())});
    const auto frames = symbolizer.symbolize(0, call("fixture_inlined_chain"));
    expect_inlined_chain(frames);
    EXPECT_EQ(frames[0].module, "/nonexistent/libgone.so");
}

TEST_F(SymbolsSymbolizer, RebuiltFileIsNotTrusted) {
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    symbolizer.add_modules({library_at(library_.path, "00112233445566778899aabbccddeeff00112233")});
    const auto frames = symbolizer.symbolize(0, call("fixture_direct"));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, "??");  // another build's names would be wrong names
    ASSERT_EQ(symbolizer.warnings().size(), 1u);
    EXPECT_NE(symbolizer.warnings()[0].find("changed"), std::string::npos);
}

TEST_F(SymbolsSymbolizer, AddressOutsideEveryModule) {
    Symbolizer symbolizer;
    symbolizer.add_modules({library_});
    const auto frames = symbolizer.symbolize(0, 0x10);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].function, "??");
    EXPECT_EQ(frames[0].module, "");
    EXPECT_EQ(frames[0].module_offset, 0x10u);
    EXPECT_EQ(symbolizer.symbolize(7, call("fixture_direct")).at(0).module, "");  // unknown process
    EXPECT_EQ(symbolizer.stats().unmapped, 2u);
}

TEST_F(SymbolsSymbolizer, DlclosedModuleIsChosenByTime) {
    // The fixture library was loaded from 0 s to 5 s; another object took its range at 6 s.
    Module closed = library_;
    closed.loaded_t_s = 0;
    closed.unloaded_t_s = 5;
    Module replacement = library_at("/nonexistent/libreplacement.so");
    replacement.loaded_t_s = 6;
    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    symbolizer.add_modules({replacement, closed});
    const std::uint64_t address = call("fixture_inlined_chain");
    expect_inlined_chain(symbolizer.symbolize(0, address, AddressKind::return_address, 1.0));
    EXPECT_EQ(symbolizer.symbolize(0, address, AddressKind::return_address, 10.0).at(0).module, replacement.path);
    // Just before the load (a merged time column): still the nearest lifetime.
    EXPECT_EQ(symbolizer.symbolize(0, address, AddressKind::return_address, -0.5).at(0).module, library_.path);
    // Without a time, the object still loaded at the end is the likeliest owner.
    EXPECT_EQ(symbolizer.symbolize(0, address).at(0).module, replacement.path);
}

TEST_F(SymbolsSymbolizer, SymbolizesARecordingStackByStack) {
    Recording recording;
    Module closed = library_;
    closed.unloaded_t_s = 5;
    Module replacement = library_at("/nonexistent/libreplacement.so");
    replacement.loaded_t_s = 6;
    recording.modules = {closed, replacement};
    const std::uint64_t inlined = call("fixture_inlined_chain");
    const std::uint64_t direct = call("fixture_direct");
    recording.stacks[StackId{1}] = Stack{StackId{1}, 0, {inlined, direct}};
    recording.stacks[StackId{2}] = Stack{StackId{2}, 0, {direct}};
    // Stack 1 held memory from 2 s (while the fixture was loaded), stack 2 only from 8 s.
    recording.sites.t_s = {0, 2, 8};
    recording.sites.sites.push_back({StackId{1}, {0, 64, 64}, {0, 1, 1}, 1, 64});
    recording.sites.sites.push_back({StackId{2}, {0, 0, 32}, {0, 0, 1}, 1, 32});

    Symbolizer symbolizer({.debug_dirs = {"/nonexistent"}});
    symbolizer.add_modules(recording.modules);  // as the session does; symbolize_recording adds them again
    symbolize_recording(recording, symbolizer);
    ASSERT_EQ(recording.symbols.size(), 2u);  // two distinct addresses
    expect_inlined_chain(recording.symbols.at({0, inlined}));
    // The direct address was first met in stack 1 (fixture loaded), so it keeps the fixture's name.
    EXPECT_EQ(recording.symbols.at({0, direct}).at(0).function, "fixture_ns::direct_caller()");
}

}  // namespace
}  // namespace leakscope::symbols
