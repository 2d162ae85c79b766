#include "transport/module_map.hpp"

#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstring>

#include "os.hpp"
#include "protocol.hpp"
#include "transport/connection.hpp"
#include "util/elf_load_span.hpp"

namespace leakscope::tracker::transport {
namespace {

std::string read_build_id(const dl_phdr_info* info) {
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const auto& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_NOTE) continue;
        const auto* pos = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
        const auto* end = pos + ph.p_memsz;
        while (pos + sizeof(ElfW(Nhdr)) <= end) {
            ElfW(Nhdr) note;
            std::memcpy(&note, pos, sizeof(note));
            const auto* name = pos + sizeof(note);
            const auto* desc = name + ((note.n_namesz + 3) & ~3u);
            const auto* next = desc + ((note.n_descsz + 3) & ~3u);
            if (next > end) break;
            if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0)
                return std::string(reinterpret_cast<const char*>(desc), note.n_descsz);
            pos = next;
        }
    }
    return {};
}

struct ScanContext {
    std::vector<ModuleState>* found;
    const ModuleMap* map;
    unsigned long long adds = 0, subs = 0;
    bool unchanged = false;
};

int collect_module(dl_phdr_info* info, std::size_t size, void* data) {
    auto* ctx = static_cast<ScanContext*>(data);
    if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs)) {
        ctx->adds = info->dlpi_adds;
        ctx->subs = info->dlpi_subs;
        // Every call carries the same counts: when nothing was loaded or unloaded since the last scan,
        // stop at the first object. The round then holds the loader's lock for one call and allocates
        // nothing (a raw clone child copies whatever lock this thread holds at that instant, for ever).
        if (ctx->adds == ctx->map->seen_adds && ctx->subs == ctx->map->seen_subs) {
            ctx->unchanged = true;
            return 1;
        }
    }
    const LoadSpan span = load_span(*info);
    if (span.end == 0) return 0;
    ModuleState m;
    m.start = span.start;
    m.end = span.end;
    m.load_bias = info->dlpi_addr;
    if (info->dlpi_name && info->dlpi_name[0]) {
        m.path = info->dlpi_name;
    } else {
        char exe[4096];
        if (os::read_link("/proc/self/exe", exe, sizeof(exe)) > 0) m.path = exe;
    }
    m.build_id = read_build_id(info);
    ctx->found->push_back(std::move(m));
    return 0;
}

}  // namespace

void scan_modules(ModuleMap& map) {
    std::vector<ModuleState> found;
    ScanContext ctx{&found, &map};
    dl_iterate_phdr(collect_module, &ctx);
    if (ctx.unchanged || (ctx.adds == map.seen_adds && ctx.subs == map.seen_subs)) return;  // nothing loaded or unloaded since
    map.seen_adds = ctx.adds;
    map.seen_subs = ctx.subs;
    for (auto& known : map.modules) {
        if (!known.present) continue;
        bool still = false;
        for (const auto& f : found) still |= f.load_bias == known.load_bias && f.start == known.start && f.path == known.path;
        known.present = still;
    }
    for (auto& f : found) {
        bool known = false;
        for (const auto& k : map.modules) known |= k.present && f.load_bias == k.load_bias && f.start == k.start && f.path == k.path;
        if (known) continue;
        f.local_id = map.next_module_id++;
        map.modules.push_back(std::move(f));
    }
}

bool send_modules(Connection& c, bool patient) {
    // Loads first (all pending, in packets), then unloads of modules the collector knows.
    std::vector<ModuleState*> in_packet;
    auto flush = [&]() {
        if (in_packet.empty()) return true;
        set_count(c, static_cast<std::uint32_t>(in_packet.size()));
        if (!send_packet(c, patient)) return false;
        for (auto* m : in_packet) m->sent_loaded = true;
        in_packet.clear();
        return true;
    };
    begin_packet(c, wire::PacketType::kModulesLoaded);
    for (auto& m : c.module_map.modules) {
        if (m.sent_loaded) continue;
        std::size_t need = sizeof(wire::ModuleBody) + m.path.size() + m.build_id.size();
        if (c.packet.size() + need > wire::kMaxPacket) {
            if (!flush()) return false;
            begin_packet(c, wire::PacketType::kModulesLoaded);
        }
        wire::ModuleBody body{m.local_id, static_cast<std::uint16_t>(std::min<std::size_t>(m.path.size(), 4096)),
                              static_cast<std::uint16_t>(std::min<std::size_t>(m.build_id.size(), 64)), m.start, m.end, m.load_bias};
        append(c, &body, sizeof(body));
        append(c, m.path.data(), body.path_length);
        append(c, m.build_id.data(), body.build_id_length);
        in_packet.push_back(&m);
    }
    if (!flush()) return false;

    begin_packet(c, wire::PacketType::kModulesUnloaded);
    for (auto& m : c.module_map.modules) {
        if (m.present || m.sent_unloaded || !m.sent_loaded) continue;
        append(c, &m.local_id, sizeof(m.local_id));
        in_packet.push_back(&m);
    }
    if (in_packet.empty()) return true;
    set_count(c, static_cast<std::uint32_t>(in_packet.size()));
    if (!send_packet(c, patient)) return false;
    for (auto* m : in_packet) m->sent_unloaded = true;
    return true;
}

}  // namespace leakscope::tracker::transport
