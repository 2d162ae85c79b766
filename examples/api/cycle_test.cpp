// The brief's two leak tests, written with the library:
//   "create a new controller 1000 times, run it, destroy it: does memory grow per cycle?"
//   "run the same controller 10,000 steps: does memory grow per step?"
// Run it plainly (mallinfo2), or under `leakscope run -- example_cycle_test` for exact figures and
// the growing allocation sites. Exits 1 when a leak is found, like a test would.
#include <leakscope/leakscope.hpp>

#include <cstdio>

#include "controller.hpp"

namespace {

void print(const char* title, const leakscope::CycleResult& r) {
    std::printf("%s\n  %s\n", title, leakscope::describe(r).c_str());
    std::printf("  leak=%s pattern=%s warmup=%.0f B bytes_per_cycle=%.2f [%.2f, %.2f]\n", r.leak ? "yes" : "no",
                std::string(leakscope::to_string(r.pattern)).c_str(), r.warmup_bytes, r.bytes_per_cycle, r.ci_low,
                r.ci_high);
    for (const leakscope::Snapshot& s : r.snapshots)
        std::printf("  after %5zu %ss: %10.0f B live\n", s.cycle, r.unit.c_str(), s.live_bytes);
    for (const leakscope::Site& site : r.sites)
        std::printf("  growing site: %s  %+.1f B/%s\n", site.location.c_str(), site.bytes_per_cycle, r.unit.c_str());
}

}  // namespace

int main() {
    int id = 0;
    // 1000 cycles of create / run 50 steps / destroy. The kernel cache is a 6 MiB warm-up, not a leak.
    const auto clean = leakscope::measure_cycles(1000, [&] {
        example::Controller controller(/*keeps_history=*/true);
        controller.run(50);
    });
    print("controller lifecycle (history freed with the controller):", clean);

    const auto leaky = leakscope::measure_cycles(1000, [&] {
        example::Controller controller(/*keeps_history=*/false);
        example::register_controller(id++);
        controller.run(50);
    });
    print("controller lifecycle with a registry that is never cleaned:", leaky);

    // 10,000 steps of one long-lived controller whose history is never trimmed.
    example::Controller controller(/*keeps_history=*/true);
    const auto steps = leakscope::measure_steps(10000, [&] { controller.step(); });
    print("10,000 steps of one controller:", steps);

    return clean.leak || !leaky.leak || !steps.leak ? 1 : 0;
}
