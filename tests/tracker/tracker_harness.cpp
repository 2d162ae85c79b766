#include "tracker_harness.hpp"

#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace leakscope::tracker_test {
namespace {

double now_s() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string self_dir() { return std::filesystem::read_symlink("/proc/self/exe").parent_path().string(); }

/// Function symbols of an ELF file: name -> [start, end) as virtual addresses (before load bias).
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> function_symbols(const std::string& path) {
    static std::map<std::string, std::map<std::string, std::pair<std::uint64_t, std::uint64_t>>> cache;
    if (auto it = cache.find(path); it != cache.end()) return it->second;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> out;
    std::string image = read_file(path);
    if (image.size() < sizeof(Elf64_Ehdr)) return out;
    const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(image.data());
    if (eh->e_shoff + static_cast<std::uint64_t>(eh->e_shnum) * sizeof(Elf64_Shdr) > image.size()) return out;
    const auto* sections = reinterpret_cast<const Elf64_Shdr*>(image.data() + eh->e_shoff);
    for (int i = 0; i < eh->e_shnum; ++i) {
        if (sections[i].sh_type != SHT_SYMTAB && sections[i].sh_type != SHT_DYNSYM) continue;
        const Elf64_Shdr& strtab = sections[sections[i].sh_link];
        const auto* symbols = reinterpret_cast<const Elf64_Sym*>(image.data() + sections[i].sh_offset);
        std::size_t count = sections[i].sh_size / sizeof(Elf64_Sym);
        for (std::size_t k = 0; k < count; ++k) {
            if (ELF64_ST_TYPE(symbols[k].st_info) != STT_FUNC || symbols[k].st_value == 0) continue;
            std::string name = image.data() + strtab.sh_offset + symbols[k].st_name;
            out[name] = {symbols[k].st_value, symbols[k].st_value + symbols[k].st_size};
        }
    }
    cache[path] = out;
    return out;
}

}  // namespace

// ---- sink ----

void RecordingSink::on_process(const collector::TrackedProcess& p) {
    if (p.process != processes.size()) errors.push_back("process indices not dense");
    processes.resize(p.process + 1);
    processes[p.process].info = p;
}
void RecordingSink::on_module(const Module& m) {
    if (m.process >= processes.size()) return errors.push_back("module before hello");
    processes[m.process].modules.push_back(m);
}
void RecordingSink::on_module_unloaded(const Module& m) {
    if (m.process >= processes.size()) return errors.push_back("unload before hello");
    for (auto& known : processes[m.process].modules)
        if (known.start == m.start && known.path == m.path && !known.unloaded_t_s) known.unloaded_t_s = m.unloaded_t_s;
}
void RecordingSink::on_stack(const Stack& s) {
    if (stacks.count(s.id.value)) errors.push_back("stack id delivered twice");
    stacks[s.id.value] = s;
}
void RecordingSink::on_site_update(const collector::SiteUpdate& u) {
    if (!stacks.count(u.stack.value)) errors.push_back("site before its stack");
    if (u.process >= processes.size()) return errors.push_back("site before hello");
    processes[u.process].sites[u.stack.value] = u;
    ++processes[u.process].site_updates;
}
void RecordingSink::on_totals(std::uint32_t process, const collector::TrackerTotals& t) {
    if (process >= processes.size()) return errors.push_back("totals before hello");
    processes[process].totals = t;
}

void RecordingSink::on_allocator_stats(std::uint32_t process, const collector::AllocatorStats& s) {
    if (process >= processes.size()) return errors.push_back("allocator statistics before hello");
    // The tracker sends them right after the totals of the same round.
    processes[process].allocator_stats.push_back(s);
    processes[process].totals_at_allocator_stats.push_back(processes[process].totals.value_or(collector::TrackerTotals{}));
}
void RecordingSink::on_process_end(std::uint32_t process, bool clean) {
    if (process >= processes.size()) return errors.push_back("end before hello");
    processes[process].ended = true;
    processes[process].clean = clean;
}

// ---- running ----

std::string tracker_library_path() {
    if (const char* env = std::getenv("LEAKSCOPE_TRACKER_LIBRARY")) return env;
    return std::filesystem::path(LEAKSCOPE_TRACKER_LIBRARY_PATH).string();
}

std::string target_path(const std::string& name) { return self_dir() + "/" + name; }

namespace {

collector::CollectorOptions collector_options(const RunOptions& options) {
    collector::CollectorOptions co;
    co.tracker_library = tracker_library_path();
    co.interval_ms = options.interval_ms;
    co.sample_bytes = options.sample_bytes;
    return co;
}

std::string make_temp_dir() {
    char path[] = "/tmp/leakscope-test-link-XXXXXX";
    if (!mkdtemp(path)) throw std::runtime_error("mkdtemp failed");
    return path;
}

}  // namespace

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options) {
    RunResult result;
    std::optional<collector::TrackerCollector> collector;
    if (options.track) collector.emplace(collector_options(options));
    char out_template[] = "/tmp/leakscope-test-out-XXXXXX";
    char err_template[] = "/tmp/leakscope-test-err-XXXXXX";
    int out_fd = mkstemp(out_template);
    int err_fd = mkstemp(err_template);
    if (out_fd < 0 || err_fd < 0) throw std::runtime_error("mkstemp failed");

    // A leakscope that comes back is found where the program was told: a link, re-pointed.
    const bool returns = options.collector_returns_after_s > 0;
    const std::string link_dir = returns ? make_temp_dir() : std::string();
    const std::string link = link_dir + "/tracker.sock";
    std::vector<std::pair<std::string, std::string>> environment;
    if (collector) environment = collector->environment();
    if (returns) {
        std::filesystem::create_symlink(collector->socket_path(), link);
        for (auto& [k, v] : environment)
            if (k == "LEAKSCOPE_TRACKER_SOCKET") v = link;
    }
    if (returns && options.collector_absent_at_start) collector.reset();
    std::optional<collector::TrackerCollector> returned;
    double died_at = returns && options.collector_absent_at_start ? now_s() : 0;

    pid_t pid = fork();
    if (pid == 0) {
        for (const auto& [k, v] : environment) setenv(k.c_str(), v.c_str(), 1);
        for (const auto& [k, v] : options.extra_environment) setenv(k.c_str(), v.c_str(), 1);
        int in_fd = open(options.stdin_path.empty() ? "/dev/null" : options.stdin_path.c_str(), O_RDONLY);
        if (in_fd < 0) _exit(126);
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        if (!options.working_directory.empty() && chdir(options.working_directory.c_str()) != 0) _exit(126);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }

    double start = now_s();
    int status = 0;
    bool exited = false, killed = false;
    std::size_t next_signal = 0;
    double exited_at = 0;
    double first_hello = 0;
    for (;;) {
        if (collector && !first_hello && !result.sink.processes.empty()) first_hello = now_s();
        if (collector && options.collector_dies_after_s > 0 && first_hello && now_s() - first_hello > options.collector_dies_after_s) {
            result.ever_connected = collector->ever_connected();
            result.collector_died_while_running = !exited;
            collector.reset();  // leakscope is gone: every socket closed
            died_at = now_s();
        }
        if (returns && died_at > 0 && !returned && now_s() - died_at > options.collector_returns_after_s) {
            returned.emplace(collector_options(options));
            std::filesystem::remove(link);
            std::filesystem::create_symlink(returned->socket_path(), link);
        }
        if (collector && !options.collector_never_reads) collector->poll(result.sink, 10);
        else if (returned) returned->poll(result.returned_sink, 10);
        else usleep(10000);
        if (!exited) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) {
                exited = true;
                exited_at = now_s();
            } else if (!killed && next_signal < options.signals.size() &&
                       options.signals[next_signal].when(result.sink, read_file(out_template))) {
                kill(pid, options.signals[next_signal++].number);
            } else if (now_s() - start > options.timeout_s) {
                kill(pid, SIGKILL);
                killed = true;
                result.timed_out = true;
            }
        }
        // After the exit, drain until every stream (children and exec'd programs too) is closed.
        const auto* reading = collector ? &*collector : returned ? &*returned : nullptr;
        if (exited && (!reading || options.collector_never_reads || reading->open_streams() == 0 || now_s() - exited_at > 5))
            break;
    }
    result.duration_s = exited_at - start;
    if (returned) {
        while (returned->poll(result.returned_sink, 0) > 0) {
        }
        result.warnings = returned->warnings();
        returned.reset();
    }
    if (returns) std::filesystem::remove_all(link_dir);
    if (collector) {
        if (!options.collector_never_reads)
            while (collector->poll(result.sink, 0) > 0) {
            }
        result.warnings = collector->warnings();
        result.ever_connected = collector->ever_connected();
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
    result.out = read_file(out_template);
    result.err = read_file(err_template);
    close(out_fd);
    close(err_fd);
    unlink(out_template);
    unlink(err_template);
    return result;
}

namespace {
SiteTotals sum_sites(const RecordingSink& sink, std::uint32_t process, const std::string& module_path,
                     const std::string& function, bool innermost_only) {
    SiteTotals totals;
    if (process >= sink.processes.size()) return totals;
    const ProcessState& p = sink.processes[process];
    auto symbols = function_symbols(module_path);
    auto symbol = symbols.find(function);
    if (symbol == symbols.end()) return totals;
    std::string canonical = std::filesystem::weakly_canonical(module_path).string();
    std::vector<const Module*> matching;
    for (const auto& m : p.modules)
        if (std::filesystem::weakly_canonical(m.path).string() == canonical) matching.push_back(&m);
    for (const auto& [id, site] : p.sites) {
        const Stack& stack = sink.stacks.at(id);
        for (std::uint64_t frame : stack.frames) {
            const Module* module = nullptr;
            for (const Module* m : matching)
                if (frame - 1 >= m->start && frame - 1 < m->end) module = m;
            if (!module) continue;
            std::uint64_t offset = frame - 1 - module->load_bias;
            if (offset >= symbol->second.first && offset < symbol->second.second) {
                ++totals.stacks;
                totals.live_bytes += site.live_bytes;
                totals.live_count += site.live_count;
                totals.total_allocations += site.total_allocations;
                totals.total_bytes += site.total_bytes;
                break;
            }
            if (innermost_only) break;  // only the innermost frame inside the module decides
        }
    }
    return totals;
}
}  // namespace

SiteTotals sites_in_function(const RecordingSink& sink, std::uint32_t process, const std::string& module_path,
                             const std::string& function) {
    return sum_sites(sink, process, module_path, function, true);
}

SiteTotals sites_through_function(const RecordingSink& sink, std::uint32_t process, const std::string& module_path,
                                  const std::string& function) {
    return sum_sites(sink, process, module_path, function, false);
}

std::optional<std::uint32_t> find_process(const RecordingSink& sink, const std::string& exe_suffix, std::size_t nth) {
    for (const auto& p : sink.processes) {
        const std::string& exe = p.info.exe;
        if (exe.size() >= exe_suffix.size() && exe.compare(exe.size() - exe_suffix.size(), exe_suffix.size(), exe_suffix) == 0) {
            if (nth == 0) return p.info.process;
            --nth;
        }
    }
    return std::nullopt;
}

}  // namespace leakscope::tracker_test
