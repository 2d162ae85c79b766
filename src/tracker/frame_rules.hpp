// The unwind rule of one instruction address, read from the module's .eh_frame in memory (found through
// glibc's lock-free `_dl_find_object` and the .eh_frame_hdr search table): the DWARF CFI program of the
// address's FDE is run up to the address, as libunwind runs it. Only the x86-64 rules a fast walk can
// apply are accepted — CFA = rsp + k or rbp + k, return address at CFA - 8, rbp unchanged or saved at a
// constant CFA offset, rsp not given a rule of its own — and the outermost frame (return address or
// rbp undefined: where libunwind's x86-64 unw_step stops), and an address in no loaded object (JIT code,
// or none), where the native stack is taken to end. Everything else (no FDE, signal frames,
// CFA or register expressions, stack realignment, other return columns) is `kOther`: the caller unwinds
// that stack with libunwind instead. Reads only mapped, read-only memory; no allocation, no lock, so it
// may run in an allocation hook, a signal handler or a forked child.
#pragma once

#include <cstdint>

namespace leakscope::tracker {

struct FrameRule {
    enum Kind : std::uint8_t { kOther = 0, kStandard = 1, kOutermost = 2 };
    static constexpr std::int16_t kRbpUnchanged = INT16_MIN;
    std::int32_t cfa_offset = 0;             ///< CFA = (cfa_from_rsp ? rsp : rbp) + cfa_offset
    std::int16_t rbp_offset = kRbpUnchanged;  ///< the caller's rbp is at CFA + rbp_offset
    Kind kind = kOther;
    bool cfa_from_rsp = true;
};
static_assert(sizeof(FrameRule) == 8, "a rule fits one cache word");

/// The rule at `pc`. For a return address libunwind looks up the call instruction (return address - 1);
/// the caller passes the address to look up.
FrameRule frame_rule_at(std::uintptr_t pc);

namespace cfi {
/// Runs a CFI program (the CIE's initial instructions followed by the FDE's) up to `pc`, starting at
/// `start`, over [program, program_end) and [fde_program, fde_end). Exposed for the unit tests.
FrameRule run(const std::uint8_t* cie_program, const std::uint8_t* cie_end, const std::uint8_t* fde_program,
              const std::uint8_t* fde_end, std::uintptr_t start, std::uintptr_t pc, std::uint64_t code_align,
              std::int64_t data_align);
}  // namespace cfi

}  // namespace leakscope::tracker
