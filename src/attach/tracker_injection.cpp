#include "attach/tracker_injection.hpp"

#include <dlfcn.h>
#include <sys/syscall.h>

#include <algorithm>
#include <memory>
#include <system_error>
#include <thread>

#include "attach/elf_dynamic_symbol.hpp"
#include "attach/injection_checks.hpp"
#include "attach/remote_thread.hpp"
#include "attach/target_process_facts.hpp"
#include "attach_abi.h"

namespace leakscope::attach {
namespace {

using std::chrono::nanoseconds;

constexpr int kMaxStops = 200;  // ~0.4 s of retries before giving up on a process that never pauses safely

/// System calls made from inside malloc (growing or trimming the heap): a thread stopped in one may hold
/// an arena lock that the injected dlopen would wait for forever.
bool allocator_system_call(long number) {
    return number == SYS_mmap || number == SYS_munmap || number == SYS_brk || number == SYS_mprotect ||
           number == SYS_madvise || number == SYS_mremap;
}

bool inside(const std::optional<MappedModule>& module, std::uint64_t pc) { return module && pc >= module->base && pc < module->end; }

/// A stop where calling dlopen cannot deadlock on a lock this very thread holds: blocked in a system call
/// that is not the allocator's (nor the loader's own, made while it loads a library), or running the
/// program's own code (not libc's, not the loader's).
bool safe_point(const RemoteThread& thread, const ProcessFacts& facts) {
    const long call = thread.stopped_system_call();
    if (inside(facts.loader, thread.stopped_pc())) return false;
    if (call >= 0) return !allocator_system_call(call);
    return !inside(facts.libc, thread.stopped_pc());
}

/// Threads blocked in a harmless system call first (a stop there costs nothing), the main thread first
/// among equals (its stack is the largest).
std::vector<pid_t> candidate_order(const ProcessFacts& facts) {
    std::vector<pid_t> order = facts.threads;
    std::stable_partition(order.begin(), order.end(), [&](pid_t tid) {
        const auto call = blocked_system_call(facts.pid, tid);
        return call && !allocator_system_call(*call);
    });
    return order;
}

std::uint64_t function_address(const MappedModule& module, pid_t pid, std::initializer_list<const char*> names) {
    const std::string file = "/proc/" + std::to_string(pid) + "/root" + module.path;
    for (const char* name : names) {
        if (const auto value = dynamic_symbol_value(file, name)) return module.base + *value;
    }
    throw InjectionError("cannot find " + std::string(*names.begin()) + " in " + module.path + " of process " + std::to_string(pid));
}

std::string read_remote_string(const RemoteThread& thread, std::uint64_t address) {
    std::string text;
    for (int word = 0; address && word < 64; ++word) {
        const std::uint64_t bytes = thread.read_word(address + 8 * word);
        for (int i = 0; i < 8; ++i) {
            const char c = static_cast<char>(bytes >> (8 * i));
            if (!c) return text;
            text += c;
        }
    }
    return text;
}

std::string explain_status(int status, pid_t pid) {
    using tracker::AttachStatus;
    switch (static_cast<AttachStatus>(status)) {
        case AttachStatus::kAlreadyTracking:
            return "process " + std::to_string(pid) + " is being tracked already (another `leakscope attach --track`?)";
        case AttachStatus::kBadSettings: return "the tracker did not accept leakscope's settings (a different leakscope version?)";
        case AttachStatus::kMissingFunctions: return "process " + std::to_string(pid) + " lacks one of malloc, free, mmap... in its global scope";
        case AttachStatus::kNothingToHook:
            return "process " + std::to_string(pid) + " calls no malloc, free or operator new through a shared library "
                   "(static allocator or custom one): nothing to track; `leakscope attach` without --track samples /proc";
        default: return "the tracker answered " + std::to_string(status) + " when turned on";
    }
}

/// Stops threads one at a time until one is at a safe point. Throws InjectionError.
std::unique_ptr<RemoteThread> borrow_thread(const ProcessFacts& facts, const InjectorFacts& injector, Injection& result) {
    for (int round = 0; round < kMaxStops && result.stops < kMaxStops; ++round) {
        for (pid_t tid : candidate_order(facts)) {
            std::unique_ptr<RemoteThread> thread;
            try {
                thread = std::make_unique<RemoteThread>(facts.pid, tid);
            } catch (const std::system_error& e) {
                if (e.code().value() == ESRCH) continue;  // that thread just ended
                throw InjectionError(explain_ptrace_failure(facts.pid, e.code().value(), injector));
            } catch (const std::runtime_error& e) {
                throw InjectionError(e.what());
            }
            ++result.stops;
            if (safe_point(*thread, facts)) {
                result.thread = tid;
                return thread;
            }
            result.held += thread->release();
            if (result.stops >= kMaxStops) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    throw InjectionError("no thread of process " + std::to_string(facts.pid) + " paused outside the allocator in " +
                         std::to_string(kMaxStops) + " tries: the tracker was not injected");
}

}  // namespace

void check_injectable(pid_t pid, const InjectionRequest& request) {
    ProcessFacts facts;
    try {
        facts = read_process_facts(pid);
    } catch (const std::runtime_error& e) {
        throw InjectionError(e.what());
    }
    if (const auto refusal = injection_refusal(facts, read_injector_facts(facts, request.library, request.socket_directory)))
        throw InjectionError(*refusal);
}

Injection inject_tracker(pid_t pid, const InjectionRequest& request) {
    const ProcessFacts facts = read_process_facts(pid);
    const InjectorFacts injector = read_injector_facts(facts, request.library, request.socket_directory);
    if (const auto refusal = injection_refusal(facts, injector)) throw InjectionError(*refusal);
    const std::uint64_t dlopen_at = function_address(*facts.libc, pid, {"dlopen", "__libc_dlopen_mode"});
    const std::uint64_t dlerror_at = function_address(*facts.libc, pid, {"dlerror"});
    const auto attach_offset = dynamic_symbol_value(request.library, LEAKSCOPE_TRACKER_ATTACH_SYMBOL);
    if (!attach_offset) throw InjectionError(request.library + " has no " LEAKSCOPE_TRACKER_ATTACH_SYMBOL " (an older build?)");

    Injection result;
    auto thread = borrow_thread(facts, injector, result);
    try {
        const std::uint64_t handle = thread->call(dlopen_at, {thread->push_string(request.library), RTLD_NOW});
        if (!handle) {
            const std::string why = read_remote_string(*thread, thread->call(dlerror_at, {}));
            result.held += thread->release();
            throw InjectionError("process " + std::to_string(pid) + " could not load the tracker: " + why);
        }
        // dlopen's handle is the library's struct link_map, whose first member is its load address.
        const std::uint64_t attach_at = thread->read_word(handle) + *attach_offset;
        const std::uint64_t settings = thread->push_bytes(request.settings.data(), request.settings.size());
        const int status = static_cast<int>(thread->call(attach_at, {settings, request.settings.size()}));
        result.held += thread->release();
        if (status != 0) throw InjectionError(explain_status(status, pid));
    } catch (const InjectionError&) {
        throw;
    } catch (const std::exception& e) {
        thread->release();
        throw InjectionError(std::string("injecting the tracker into process ") + std::to_string(pid) + " failed: " + e.what());
    }
    return result;
}

}  // namespace leakscope::attach
