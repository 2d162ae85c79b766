// The refusal lines of attach --track, one per obstacle, decided from facts (no such system needed).
#include <gtest/gtest.h>

#include <cerrno>

#include "attach/elf_dynamic_symbol.hpp"
#include "attach/injection_checks.hpp"

namespace leakscope::attach {
namespace {

ProcessFacts dynamic_process() {
    ProcessFacts facts;
    facts.pid = 4242;
    facts.uid = 1000;
    facts.libc = MappedModule{"/lib/x86_64-linux-gnu/libc.so.6", 0x7f0000000000, 0x7f0000200000};
    facts.loader = MappedModule{"/lib64/ld-linux-x86-64.so.2", 0x7f1000000000, 0x7f1000030000};
    facts.threads = {4242};
    return facts;
}

InjectorFacts same_user() {
    InjectorFacts facts;
    facts.effective_uid = 1000;
    facts.library = "/opt/leakscope/lib/libleakscope_tracker.so";
    facts.socket_directory = "/tmp/leakscope-abc";
    return facts;
}

TEST(InjectionRefusal, NoneForADynamicProcessOfTheSameUser) {
    EXPECT_EQ(injection_refusal(dynamic_process(), same_user()), std::nullopt);
}

TEST(InjectionRefusal, StaticBinary) {
    auto target = dynamic_process();
    target.loader.reset();
    target.libc.reset();
    EXPECT_NE(injection_refusal(target, same_user())->find("statically linked"), std::string::npos);
}

TEST(InjectionRefusal, AnotherUsersProcessNeedsCapSysPtrace) {
    auto injector = same_user();
    injector.effective_uid = 1001;
    EXPECT_NE(injection_refusal(dynamic_process(), injector)->find("belongs to uid 1000"), std::string::npos);
    injector.cap_sys_ptrace = true;
    EXPECT_EQ(injection_refusal(dynamic_process(), injector), std::nullopt);
}

TEST(InjectionRefusal, PtraceScopeValues) {
    auto injector = same_user();
    auto target = dynamic_process();
    injector.ptrace_scope = 1;
    EXPECT_NE(injection_refusal(target, injector)->find("ptrace_scope = 1"), std::string::npos);
    target.our_descendant = true;  // scope 1 lets an ancestor trace
    EXPECT_EQ(injection_refusal(target, injector), std::nullopt);
    injector.ptrace_scope = 2;
    EXPECT_NE(injection_refusal(target, injector)->find("ptrace_scope = 2"), std::string::npos);
    injector.cap_sys_ptrace = true;
    EXPECT_EQ(injection_refusal(target, injector), std::nullopt);
    injector.ptrace_scope = 3;  // not even root
    EXPECT_NE(injection_refusal(target, injector)->find("ptrace_scope = 3"), std::string::npos);
}

TEST(InjectionRefusal, OtherMountNamespace) {
    auto injector = same_user();
    injector.library_visible = false;
    auto line = injection_refusal(dynamic_process(), injector);
    EXPECT_NE(line->find("another mount namespace"), std::string::npos);
    EXPECT_NE(line->find(injector.library), std::string::npos);
    injector.library_visible = true;
    injector.socket_visible = false;
    EXPECT_NE(injection_refusal(dynamic_process(), injector)->find("TMPDIR"), std::string::npos);
}

TEST(InjectionRefusal, TrackerAlreadyThere) {
    auto target = dynamic_process();
    target.tracker_loaded = true;  // attached before and detached: inert, may be attached again
    EXPECT_EQ(injection_refusal(target, same_user()), std::nullopt);
    target.tracker_preloaded = true;
    EXPECT_NE(injection_refusal(target, same_user())->find("leakscope run"), std::string::npos);
}

TEST(InjectionRefusal, PtraceFailureSaysWhy) {
    auto injector = same_user();
    EXPECT_NE(explain_ptrace_failure(4242, EPERM, injector).find("debugger"), std::string::npos);
    injector.ptrace_scope = 1;
    EXPECT_NE(explain_ptrace_failure(4242, EPERM, injector).find("ptrace_scope = 1"), std::string::npos);
}

TEST(ElfDynamicSymbol, FindsLibcsDlopenAndRejectsMissingNames) {
    const std::string libc = "/lib/x86_64-linux-gnu/libc.so.6";
    if (!dynamic_symbol_value(libc, "malloc")) GTEST_SKIP() << "no " << libc;
    EXPECT_NE(dynamic_symbol_value(libc, "dlopen").value_or(0) + dynamic_symbol_value(libc, "__libc_dlopen_mode").value_or(0), 0u);
    EXPECT_EQ(dynamic_symbol_value(libc, "no_such_function_anywhere"), std::nullopt);
    EXPECT_EQ(dynamic_symbol_value("/nonexistent/file.so", "malloc"), std::nullopt);
    EXPECT_EQ(dynamic_symbol_value("/etc/hostname", "malloc"), std::nullopt);
}

}  // namespace
}  // namespace leakscope::attach
