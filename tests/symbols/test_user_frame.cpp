#include "symbols/user_frame.hpp"

#include <gtest/gtest.h>

namespace leakscope::symbols {
namespace {

const std::string kApp = "/opt/app/bin/service";
const std::string kLibc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
const std::string kLibstdcxx = "/usr/lib/x86_64-linux-gnu/libstdc++.so.6";
const std::string kTracker = "/opt/leakscope/lib/libleakscope_tracker.so";

ResolvedFrame frame(std::string function, std::string module, bool inlined = false) {
    return ResolvedFrame{std::move(function), "", 0, std::move(module), 0x1000, inlined};
}

TEST(SymbolsUserFrame, SkipsTrackerAllocatorAndContainerInternals) {
    const std::vector<ResolvedFrame> stack = {
        frame("leakscope::tracker::record_allocation(void*, unsigned long)", kTracker),
        frame("malloc", kTracker),
        frame("operator new(unsigned long)", kLibstdcxx),
        frame("std::__new_allocator<int>::allocate(unsigned long, void const*)", kApp, true),
        frame("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>(__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)", kApp),
        frame("app::Cache::put(int)", kApp),
        frame("main", kApp),
    };
    EXPECT_EQ(user_frame_index(stack), 5u);
}

TEST(SymbolsUserFrame, LibcHelpersGiveTheirCaller) {
    const std::vector<ResolvedFrame> stack = {
        frame("malloc", kLibc), frame("strdup", kLibc), frame("app::Config::load(char const*)", kApp)};
    EXPECT_EQ(user_frame_index(stack), 2u);
    // A stripped libc gives "??" frames: the module alone marks them.
    const std::vector<ResolvedFrame> stripped = {frame("??", kLibc), frame("??", kLibc), frame("??", kApp)};
    EXPECT_EQ(user_frame_index(stripped), 2u);
}

TEST(SymbolsUserFrame, SharedPointersStringsMapsAndHashTables) {
    for (const std::string internal : {
             "std::__shared_count<(__gnu_cxx::_Lock_policy)2>::__shared_count<app::Session, std::allocator<app::Session>, int>(app::Session*&, std::_Sp_alloc_shared_tag<std::allocator<app::Session> >, int&&)",
             "std::shared_ptr<app::Session> std::make_shared<app::Session, int>(int&&)",
             "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_create(unsigned long&, unsigned long)",
             "void std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >::_M_construct<char const*>(char const*, char const*, std::forward_iterator_tag)",
             "std::_Rb_tree<int, std::pair<int const, int>, std::_Select1st<std::pair<int const, int> >, std::less<int>, std::allocator<std::pair<int const, int> > >::_M_get_node()",
             "std::__detail::_Hashtable_alloc<std::allocator<std::__detail::_Hash_node<std::pair<int const, int>, false> > >::_M_allocate_buckets(unsigned long)",
             "void std::deque<int, std::allocator<int> >::_M_push_back_aux<int const&>(int const&)",
             "__gnu_cxx::new_allocator<char>::allocate(unsigned long, void const*)",
         }) {
        const std::vector<ResolvedFrame> stack = {frame("operator new(unsigned long)", kLibstdcxx), frame(internal, kApp),
                                                  frame("app::Registry::add(int)", kApp)};
        EXPECT_EQ(user_frame_index(stack), 2u) << internal;
    }
}

TEST(SymbolsUserFrame, UserFunctionsThatMentionStdAreKept) {
    // A template function's demangled name starts with its return type, which may be a std:: type.
    const std::vector<ResolvedFrame> stack = {
        frame("malloc", kLibc), frame("std::vector<int, std::allocator<int> > app::make_vec<int>(unsigned long)", kApp)};
    EXPECT_EQ(user_frame_index(stack), 1u);
    const std::vector<ResolvedFrame> lambda = {
        frame("operator new[](unsigned long)", kApp), frame("app::run()::{lambda(int)#1}::operator()(int) const", kApp, true)};
    EXPECT_EQ(user_frame_index(lambda), 1u);
    const std::vector<ResolvedFrame> anonymous = {frame("calloc", kLibc), frame("(anonymous namespace)::grow(int)", kApp)};
    EXPECT_EQ(user_frame_index(anonymous), 1u);
    // Unknown code in the program's own object is still the program's.
    const std::vector<ResolvedFrame> unknown = {frame("malloc", kLibc), frame("??", kApp)};
    EXPECT_EQ(user_frame_index(unknown), 1u);
}

TEST(SymbolsUserFrame, AllLibraryStacksFallBackToTheFirstNonAllocatorFrame) {
    const std::vector<ResolvedFrame> stack = {frame("malloc", kTracker), frame("malloc", kLibc),
                                              frame("_IO_file_doallocate", kLibc), frame("fopen", kLibc)};
    EXPECT_EQ(user_frame_index(stack), 2u);
    EXPECT_EQ(user_frame_index({}), 0u);
    EXPECT_EQ(user_frame_index({frame("malloc", kLibc)}), 0u);
}

TEST(SymbolsUserFrame, AProgramsOwnMallocWrapperIsNotTheSite) {
    // Debian's redis-server (stripped: .dynsym names): its store's values through the zmalloc family.
    const char* redis = "/usr/bin/redis-check-rdb";
    const std::vector<ResolvedFrame> stack = {frame("malloc", kTracker), frame("zmalloc_usable", redis), frame("_sdsnewlen", redis),
                                              frame("createStringObject", redis), frame("processMultibulkBuffer", redis)};
    EXPECT_EQ(user_frame_index(stack), 3u);
    for (const char* wrapper : {"g_malloc0", "xmalloc", "Perl_safesysrealloc", "sqlite3DbMallocRaw"})
        EXPECT_TRUE(is_allocation_plumbing(frame(wrapper, kApp))) << wrapper;
    // By exact name only: a program's own function that starts like one is its own.
    EXPECT_FALSE(is_allocation_plumbing(frame("zmalloc_pool_grow", kApp)));
    EXPECT_FALSE(is_allocation_plumbing(frame("xmalloc_arena::reserve(unsigned long)", kApp)));
}

TEST(SymbolsUserFrame, LibraryNamesAreMatchedExactly) {
    // libcrypto and libcache are not libc; the tracker is matched wherever it is installed.
    EXPECT_FALSE(is_allocation_plumbing(frame("EVP_CIPHER_CTX_new", "/usr/lib/libcrypto.so.3")));
    EXPECT_FALSE(is_allocation_plumbing(frame("cache_put", "/opt/lib/libcache.so")));
    EXPECT_TRUE(is_allocation_plumbing(frame("whatever", "/tmp/build/lib/libleakscope_tracker.so")));
    EXPECT_TRUE(is_allocation_plumbing(frame("_dl_allocate_tls", "/lib64/ld-linux-x86-64.so.2")));
    EXPECT_TRUE(is_allocation_plumbing(frame("__cxa_allocate_exception", "/opt/app/bin/static-service")));
}

}  // namespace
}  // namespace leakscope::symbols

namespace leakscope::symbols {
namespace {

ResolvedFrame in(const char* module, const char* function) { return ResolvedFrame{function, "", 0, module, 0x10, false}; }

TEST(SymbolsUserFrame, InterpreterAllocationHelpersAreNotTheSite) {
    const char* python = "/usr/bin/python3.11";
    // Debian's python3.11 is stripped: .dynsym names the exported functions, statics stay unnamed.
    const std::vector<ResolvedFrame> stack = {in("/usr/lib/libleakscope_tracker.so", "malloc"),
                                              in(python, "??"),  // pymalloc's arena code (static)
                                              in(python, "_PyObject_ArenaMmap"),
                                              in(python, "PyObject_Malloc"),
                                              in(python, "??"),
                                              in(python, "PyUnicode_Concat"),
                                              in(python, "_PyEval_EvalFrameDefault")};
    EXPECT_EQ(user_frame_index(stack), 5u);
    for (const char* helper : {"PyMem_RawMalloc", "_PyMem_RawMalloc", "_PyObject_GC_New", "PyType_GenericAlloc",
                               "PyDataMem_UserNEW", "PyObject_Realloc"})
        EXPECT_TRUE(is_allocation_plumbing(in(python, helper))) << helper;
    EXPECT_FALSE(is_allocation_plumbing(in(python, "PyUnicode_Concat")));
}

TEST(SymbolsUserFrame, UnnamedFramesStayWhenNothingNamedFollowsInTheirModule) {
    // A stripped program's static function: nothing better to show than its address.
    const std::vector<ResolvedFrame> stack = {in("/lib/x86_64-linux-gnu/libc.so.6", "malloc"), in("/opt/app", "??"),
                                              in("/lib/x86_64-linux-gnu/libc.so.6", "__libc_start_main")};
    EXPECT_EQ(user_frame_index(stack), 1u);
}

TEST(SymbolsUserFrame, LeakscopeOwnLibrariesAreNotTheSite) {
    const std::vector<ResolvedFrame> stack = {
        in("/lib/x86_64-linux-gnu/libstdc++.so.6", "operator new(unsigned long)"),
        in("/usr/local/lib/libleakscope.so.0.1", "leakscope::detail::measure"),
        in("/x/build/python/leakscope/_native.cpython-311-x86_64-linux-gnu.so", "leakscope::python::measure"),
        in("/opt/app/bin/tests", "main")};
    EXPECT_EQ(user_frame_index(stack), 3u);
}

}  // namespace
}  // namespace leakscope::symbols

namespace leakscope::symbols {
namespace {

TEST(SymbolsUserFrame, InnermostPythonFrameIsTheSite) {
    const ResolvedFrame concat{"PyUnicode_Concat", "", 0, "/usr/bin/python3.11", 0x5528ac, false};
    const ResolvedFrame handle{"handle", "/srv/app/handler.py", 4, "/srv/app/handler.py", 0, false};
    const ResolvedFrame outer{"<module>", "/srv/app/main.py", 6, "/srv/app/main.py", 0, false};
    const ResolvedFrame ours{"_measure.<locals>.body", "/usr/lib/python3/dist-packages/leakscope/_measure.py", 60,
                             "/usr/lib/python3/dist-packages/leakscope/_measure.py", 0, false};
    EXPECT_TRUE(is_python_frame(handle));
    EXPECT_FALSE(is_python_frame(concat));
    EXPECT_EQ(user_frame_index({concat, handle, outer}), 1u);
    EXPECT_EQ(user_frame_index({concat, ours, handle}), 2u);
}

TEST(SymbolsUserFrame, ThePythonSiteIsTheProgramsOwnCodePastTheLibrariesItCalled) {
    // py_log_buffer_leak: a logging.handlers.MemoryHandler nobody flushes keeps every record; the site
    // was named BufferingHandler.emit (the standard library), where the line to change is the caller's.
    auto python = [](const char* function, const char* file) { return ResolvedFrame{function, file, 1, file, 0, false}; };
    const ResolvedFrame concat{"PyUnicode_Concat", "", 0, "/usr/bin/python3.11", 0x5528ac, false};
    const ResolvedFrame emit = python("BufferingHandler.emit", "/usr/lib/python3.11/logging/handlers.py");
    const ResolvedFrame log = python("Logger._log", "/usr/lib/python3.11/logging/__init__.py");
    const ResolvedFrame frozen = python("Generator.send", "<frozen _collections_abc>");
    const ResolvedFrame numpy = python("zeros_like", "/usr/lib/python3/dist-packages/numpy/core/numeric.py");
    const ResolvedFrame venv = python("get", "/home/u/.venv/lib/python3.12/site-packages/requests/api.py");
    const ResolvedFrame handle = python("handle_request", "/srv/app/server.py");
    EXPECT_EQ(user_frame_index({concat, emit, log, handle}), 3u);
    EXPECT_EQ(user_frame_index({concat, frozen, numpy, venv, handle}), 4u);
    // Only library code on the stack (a thread of the standard library's own): its innermost frame.
    EXPECT_EQ(user_frame_index({concat, emit, log}), 1u);
    // A program that merely lives under a lib/python3* path of its own is the program's.
    EXPECT_EQ(user_frame_index({concat, python("run", "/opt/lib/python3-tools/run.py")}), 1u);
}

}  // namespace
}  // namespace leakscope::symbols
