#include "frame_rules.hpp"

#include <dlfcn.h>

#include <cstring>

// glibc 2.35+: lock-free and async-signal-safe (unlike dl_iterate_phdr, which takes the loader's lock).
// Weak, so the library still loads under an older glibc: every rule is then kOther (libunwind unwinds).
extern "C" int _dl_find_object(void* address, dl_find_object* result) __attribute__((weak));

namespace leakscope::tracker {
namespace {

// DWARF register numbers of x86-64.
constexpr std::uint64_t kRbp = 6, kRsp = 7, kRip = 16;

// Pointer encodings (DW_EH_PE_*).
constexpr std::uint8_t kOmit = 0xff, kPcRel = 0x10, kDataRel = 0x30;

class Reader {
public:
    Reader(const std::uint8_t* at, const std::uint8_t* end) : at_(at), end_(end) {}
    bool ok() const { return ok_; }
    bool more() const { return ok_ && at_ < end_; }
    const std::uint8_t* at() const { return at_; }
    template <typename T>
    T fixed() {
        T value{};
        if (end_ - at_ < static_cast<long>(sizeof(T))) return fail<T>();
        std::memcpy(&value, at_, sizeof(T));
        at_ += sizeof(T);
        return value;
    }
    std::uint64_t uleb() {
        std::uint64_t value = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (at_ >= end_) return fail<std::uint64_t>();
            const std::uint8_t byte = *at_++;
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return value;
        }
        return fail<std::uint64_t>();
    }
    std::int64_t sleb() {
        std::uint64_t value = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (at_ >= end_) return fail<std::int64_t>();
            const std::uint8_t byte = *at_++;
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) {
                if (shift + 7 < 64 && (byte & 0x40)) value |= ~std::uint64_t{0} << (shift + 7);
                return static_cast<std::int64_t>(value);
            }
        }
        return fail<std::int64_t>();
    }
    /// An encoded pointer; `data_base` is the base of DW_EH_PE_datarel (only the search table has one).
    std::uintptr_t pointer(std::uint8_t encoding, std::uintptr_t data_base = 0) {
        const auto here = reinterpret_cast<std::uintptr_t>(at_);
        std::uint64_t value = 0;
        switch (encoding & 0x0f) {
            case 0x00: value = fixed<std::uint64_t>(); break;
            case 0x01: value = uleb(); break;
            case 0x02: value = fixed<std::uint16_t>(); break;
            case 0x03: value = fixed<std::uint32_t>(); break;
            case 0x04: value = fixed<std::uint64_t>(); break;
            case 0x09: value = static_cast<std::uint64_t>(sleb()); break;
            case 0x0a: value = static_cast<std::uint64_t>(static_cast<std::int64_t>(fixed<std::int16_t>())); break;
            case 0x0b: value = static_cast<std::uint64_t>(static_cast<std::int64_t>(fixed<std::int32_t>())); break;
            case 0x0c: value = fixed<std::uint64_t>(); break;
            default: return fail<std::uintptr_t>();
        }
        switch (encoding & 0x70) {
            case 0x00: break;
            case kPcRel: value += here; break;
            case kDataRel:
                if (!data_base) return fail<std::uintptr_t>();
                value += data_base;
                break;
            default: return fail<std::uintptr_t>();  // textrel, funcrel, aligned: not produced on x86-64 Linux
        }
        if (encoding & 0x80) return fail<std::uintptr_t>();  // indirect
        return value;
    }
    void skip(std::uint64_t bytes) {
        if (static_cast<std::uint64_t>(end_ - at_) < bytes) ok_ = false;
        else at_ += bytes;
    }

private:
    template <typename T>
    T fail() {
        ok_ = false;
        at_ = end_;
        return T{};
    }
    const std::uint8_t* at_;
    const std::uint8_t* end_;
    bool ok_ = true;
};

// The rows' registers a fast walk needs; anything it cannot apply makes the row unusable.
struct Row {
    std::uint64_t cfa_register = kRsp;
    std::int64_t cfa_offset = 0;
    bool cfa_unusable = false;
    enum Rule : std::uint8_t { kSame, kUndefined, kAtCfa, kUnusable };
    Rule rip = kSame, rbp = kSame, rsp = kSame;
    std::int64_t rip_offset = 0, rbp_offset = 0;
};

Row::Rule* rule_of(Row& row, std::uint64_t reg) {
    if (reg == kRip) return &row.rip;
    if (reg == kRbp) return &row.rbp;
    if (reg == kRsp) return &row.rsp;
    return nullptr;  // a register the walk never reads
}

void set_at_cfa(Row& row, std::uint64_t reg, std::int64_t offset) {
    if (reg == kRip) row.rip = Row::kAtCfa, row.rip_offset = offset;
    else if (reg == kRbp) row.rbp = Row::kAtCfa, row.rbp_offset = offset;
    else if (reg == kRsp) row.rsp = Row::kUnusable;  // libunwind's walk takes rsp = CFA; be conservative
}

void set_rule(Row& row, std::uint64_t reg, Row::Rule rule) {
    if (Row::Rule* r = rule_of(row, reg)) *r = rule;
}

/// DW_CFA_restore: the register's rule as the CIE left it.
void restore(Row& row, const Row& initial, std::uint64_t reg) {
    if (reg == kRip) row.rip = initial.rip, row.rip_offset = initial.rip_offset;
    else if (reg == kRbp) row.rbp = initial.rbp, row.rbp_offset = initial.rbp_offset;
    else if (reg == kRsp) row.rsp = initial.rsp;
}

/// Runs one CFI program into `row`; false when it must stop (an instruction that cannot be followed).
/// `loc` advances; the program stops once it passes `pc` (instructions at `pc` itself still apply).
bool execute(Reader in, Row& row, const Row& initial, std::uintptr_t& loc, std::uintptr_t pc,
             std::uint64_t code_align, std::int64_t data_align, Row* stack, int& depth) {
    constexpr int kStackDepth = 8;
    while (loc <= pc && in.more()) {
        const std::uint8_t op = in.fixed<std::uint8_t>();
        const std::uint8_t low = op & 0x3f;
        switch (op >> 6) {
            case 1: loc += low * code_align; continue;                                           // advance_loc
            case 2: set_at_cfa(row, low, static_cast<std::int64_t>(in.uleb()) * data_align); continue;  // offset
            case 3: restore(row, initial, low); continue;                                           // restore
            default: break;
        }
        switch (op) {
            case 0x00: break;                                          // nop
            case 0x02: loc += in.fixed<std::uint8_t>() * code_align; break;   // advance_loc1
            case 0x03: loc += in.fixed<std::uint16_t>() * code_align; break;  // advance_loc2
            case 0x04: loc += in.fixed<std::uint32_t>() * code_align; break;  // advance_loc4
            case 0x05: {                                               // offset_extended
                const std::uint64_t reg = in.uleb();
                set_at_cfa(row, reg, static_cast<std::int64_t>(in.uleb()) * data_align);
                break;
            }
            case 0x06: restore(row, initial, in.uleb()); break;  // restore_extended
            case 0x07: set_rule(row, in.uleb(), Row::kUndefined); break;  // undefined
            case 0x08: set_rule(row, in.uleb(), Row::kSame); break;       // same_value
            case 0x09: {                                                  // register
                const std::uint64_t reg = in.uleb();
                in.uleb();
                set_rule(row, reg, Row::kUnusable);
                break;
            }
            case 0x0a:  // remember_state
                if (depth == kStackDepth) return false;
                stack[depth++] = row;
                break;
            case 0x0b:  // restore_state (the whole row, CFA included, as libunwind and libgcc do)
                if (depth == 0) return false;
                row = stack[--depth];
                break;
            case 0x0c:  // def_cfa
                row.cfa_register = in.uleb();
                row.cfa_offset = static_cast<std::int64_t>(in.uleb());
                row.cfa_unusable = false;
                break;
            case 0x0d: row.cfa_register = in.uleb(); break;                                  // def_cfa_register
            case 0x0e: row.cfa_offset = static_cast<std::int64_t>(in.uleb()); break;        // def_cfa_offset
            case 0x0f: row.cfa_unusable = true; in.skip(in.uleb()); break;                   // def_cfa_expression
            case 0x10:                                                                       // expression
            case 0x16: {                                                                     // val_expression
                const std::uint64_t reg = in.uleb();
                in.skip(in.uleb());
                set_rule(row, reg, Row::kUnusable);
                break;
            }
            case 0x11: {  // offset_extended_sf
                const std::uint64_t reg = in.uleb();
                set_at_cfa(row, reg, in.sleb() * data_align);
                break;
            }
            case 0x12:  // def_cfa_sf
                row.cfa_register = in.uleb();
                row.cfa_offset = in.sleb() * data_align;
                row.cfa_unusable = false;
                break;
            case 0x13: row.cfa_offset = in.sleb() * data_align; break;  // def_cfa_offset_sf
            case 0x14:                                                  // val_offset
                set_rule(row, in.uleb(), Row::kUnusable);
                in.uleb();
                break;
            case 0x15:  // val_offset_sf
                set_rule(row, in.uleb(), Row::kUnusable);
                in.sleb();
                break;
            case 0x2e: in.uleb(); break;  // GNU_args_size: only for landing pads, not for unwinding
            case 0x2f: {                  // GNU_negative_offset_extended
                const std::uint64_t reg = in.uleb();
                set_at_cfa(row, reg, -static_cast<std::int64_t>(in.uleb()) * data_align);
                break;
            }
            default: return false;  // set_loc, GNU_window_save, vendor extensions
        }
    }
    return in.ok();
}

FrameRule rule_of_row(const Row& row) {
    FrameRule rule;
    // libunwind's x86-64 unw_step ends the chain at an undefined return address or an undefined rbp.
    if (row.rip == Row::kUndefined || row.rbp == Row::kUndefined) {
        rule.kind = FrameRule::kOutermost;
        return rule;
    }
    if (row.cfa_unusable || (row.cfa_register != kRsp && row.cfa_register != kRbp)) return rule;
    if (row.cfa_offset <= -(1 << 29) || row.cfa_offset >= (1 << 29)) return rule;
    if (row.rip != Row::kAtCfa || row.rip_offset != -8) return rule;
    if (row.rsp != Row::kSame) return rule;
    if (row.rbp == Row::kAtCfa) {
        if (row.rbp_offset <= -(1 << 14) || row.rbp_offset >= (1 << 14)) return rule;
        rule.rbp_offset = static_cast<std::int16_t>(row.rbp_offset);
    } else if (row.rbp != Row::kSame) {
        return rule;
    }
    rule.cfa_from_rsp = row.cfa_register == kRsp;
    rule.cfa_offset = static_cast<std::int32_t>(row.cfa_offset);
    rule.kind = FrameRule::kStandard;
    return rule;
}

/// The FDE covering `pc` in a module's .eh_frame_hdr search table, or nullptr.
const std::uint8_t* find_fde(const std::uint8_t* header, std::uintptr_t pc) {
    const auto base = reinterpret_cast<std::uintptr_t>(header);
    if (header[0] != 1 || header[3] != 0x3b) return nullptr;  // version 1, table of datarel sdata4 pairs
    Reader in(header + 4, header + 4 + 16);
    if (header[1] == kOmit || header[2] == kOmit) return nullptr;
    in.pointer(header[1], base);
    const std::uintptr_t count = in.pointer(header[2], base);
    if (!in.ok() || count == 0) return nullptr;
    const auto* table = reinterpret_cast<const std::int32_t*>(in.at());
    std::uintptr_t low = 0, high = count;  // the last entry whose start <= pc
    while (high - low > 1) {
        const std::uintptr_t mid = low + (high - low) / 2;
        if (base + static_cast<std::intptr_t>(table[2 * mid]) <= pc) low = mid;
        else high = mid;
    }
    if (base + static_cast<std::intptr_t>(table[2 * low]) > pc) return nullptr;
    return reinterpret_cast<const std::uint8_t*>(base + static_cast<std::intptr_t>(table[2 * low + 1]));
}

FrameRule rule_from_fde(const std::uint8_t* fde, std::uintptr_t pc) {
    std::uint32_t length;
    std::memcpy(&length, fde, 4);
    if (length == 0 || length == 0xffffffffu) return {};
    const std::uint8_t* fde_end = fde + 4 + length;
    Reader f(fde + 4, fde_end);
    const std::uint32_t cie_delta = f.fixed<std::uint32_t>();
    if (cie_delta == 0) return {};  // a CIE, not an FDE
    const std::uint8_t* cie = fde + 4 - cie_delta;

    std::uint32_t cie_length;
    std::memcpy(&cie_length, cie, 4);
    if (cie_length == 0 || cie_length == 0xffffffffu) return {};
    Reader c(cie + 4, cie + 4 + cie_length);
    if (c.fixed<std::uint32_t>() != 0) return {};
    const std::uint8_t version = c.fixed<std::uint8_t>();
    if (version != 1 && version != 3) return {};
    const char* augmentation = reinterpret_cast<const char*>(c.at());
    const std::size_t augmentation_length = strnlen(augmentation, 8);
    if (augmentation_length == 8) return {};
    c.skip(augmentation_length + 1);
    const std::uint64_t code_align = c.uleb();
    const std::int64_t data_align = c.sleb();
    const std::uint64_t return_column = version == 1 ? c.fixed<std::uint8_t>() : c.uleb();
    if (return_column != kRip) return {};
    std::uint8_t fde_encoding = 0;  // absptr
    bool sized = false;
    for (const char* a = augmentation; *a; ++a) {
        if (a == augmentation && *a == 'z') {
            sized = true;
            c.uleb();
            continue;
        }
        if (!sized) return {};  // "eh" and other pre-'z' forms
        if (*a == 'R') fde_encoding = c.fixed<std::uint8_t>();
        else if (*a == 'L') c.fixed<std::uint8_t>();
        else if (*a == 'P') c.pointer(c.fixed<std::uint8_t>() & 0x7f);  // the routine's address: skipped
        else return {};  // 'S' (a signal frame) and anything unknown: libunwind's own path
    }
    if (!c.ok()) return {};

    const std::uintptr_t start = f.pointer(fde_encoding);
    const std::uintptr_t range = f.pointer(fde_encoding & 0x0f);
    if (!f.ok() || pc < start || pc - start >= range) return {};
    if (sized) f.skip(f.uleb());
    if (!f.ok()) return {};
    return cfi::run(c.at(), cie + 4 + cie_length, f.at(), fde_end, start, pc, code_align, data_align);
}

}  // namespace

namespace cfi {
FrameRule run(const std::uint8_t* cie_program, const std::uint8_t* cie_end, const std::uint8_t* fde_program,
              const std::uint8_t* fde_end, std::uintptr_t start, std::uintptr_t pc, std::uint64_t code_align,
              std::int64_t data_align) {
    Row row;
    Row stack[8];
    int depth = 0;
    std::uintptr_t loc = start;
    const Row none;
    // The CIE's instructions describe the entry and never advance; they are run to the end.
    std::uintptr_t entry = start;
    if (!execute(Reader(cie_program, cie_end), row, none, entry, UINTPTR_MAX, code_align, data_align, stack, depth))
        return {};
    const Row initial = row;
    depth = 0;
    if (!execute(Reader(fde_program, fde_end), row, initial, loc, pc, code_align, data_align, stack, depth)) return {};
    return rule_of_row(row);
}
}  // namespace cfi

FrameRule frame_rule_at(std::uintptr_t pc) {
    if (!_dl_find_object) return {};
    dl_find_object found;
    if (_dl_find_object(reinterpret_cast<void*>(pc), &found) != 0) {
        // In no loaded object: code a JIT wrote (a JVM's, V8's, numba's) or no code at all. libunwind has
        // no unwind information there either, and guesses from rbp, which such code uses as it likes:
        // 5 runs in 9 of a JVM under full tracking died in libunwind's step (a pool thread deoptimizing
        // C2 code, rbp 0x100000000). The native stack ends there.
        FrameRule outermost;
        outermost.kind = FrameRule::kOutermost;
        return outermost;
    }
    if (!found.dlfo_eh_frame) return {};
    const std::uint8_t* fde = find_fde(static_cast<const std::uint8_t*>(found.dlfo_eh_frame), pc);
    return fde ? rule_from_fde(fde, pc) : FrameRule{};
}

}  // namespace leakscope::tracker
