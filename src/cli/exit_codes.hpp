// leakscope's exit codes. `run` otherwise exits with the target's own code (128 + signal when a
// signal killed it), like a shell, so it can stand in for the command in scripts and CI.
#pragma once

namespace leakscope::cli {

inline constexpr int kExitUsage = 2;          ///< bad options or arguments
inline constexpr int kExitLeakFound = 100;    ///< --fail-on-leak and the verdict is a leak
inline constexpr int kExitWorse = 101;        ///< compare/diff --fail-if-worse and it is significantly worse
inline constexpr int kExitUndecided = 102;    ///< --fail-on-undecided and the run could not decide
inline constexpr int kExitFailure = 125;      ///< leakscope itself failed (cannot write, cannot read /proc, ...)
inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;

}  // namespace leakscope::cli
