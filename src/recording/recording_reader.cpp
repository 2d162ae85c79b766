#include "recording/recording_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "recording/bounded_recording.hpp"
#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/chunk_payloads.hpp"
#include "recording/format.hpp"
#include "recording/read_budget.hpp"

namespace leakscope::recording {
namespace {

std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

/// "NAME is not a leakscope recording", with reason "it is not a leakscope recording".
[[noreturn]] void refuse(const std::string& name, const std::string& what_it_is) {
    throw RecordingError(name, "it " + what_it_is, name + " " + what_it_is);
}

[[noreturn]] void system_failure(const std::string& action, const std::string& path, int err) {
    throw RecordingError(path, std::strerror(err), action + " " + path + ": " + std::strerror(err));
}

/// Throws unless `bytes` starts with a header this version can read.
void check_header(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.empty()) refuse(name, "is empty, not a leakscope recording");
    const std::size_t magic_bytes = std::min(bytes.size(), kMagic.size());
    if (!std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(magic_bytes), kMagic.begin())) {
        refuse(name, "is not a leakscope recording");
    }
    if (bytes.size() < kFileHeaderBytes) {
        refuse(name, "is a leakscope recording cut off inside its header (" + std::to_string(bytes.size()) + " bytes)");
    }
    const std::uint16_t major = le16(bytes.data() + 8);
    const std::uint16_t minor = le16(bytes.data() + 10);
    if (major > kFormatMajor) {
        refuse(name, "was written by a newer leakscope (format " + std::to_string(major) + "." + std::to_string(minor) +
                         "); this leakscope reads format " + std::to_string(kFormatMajor) + ": upgrade leakscope to read it");
    }
    if (major == 0) refuse(name, "has an invalid format version 0." + std::to_string(minor));
}

const char* kind_name(std::uint16_t kind) {
    switch (static_cast<ChunkKind>(kind)) {
        case ChunkKind::run_info: return "run info";
        case ChunkKind::limits: return "limits";
        case ChunkKind::samples_v1:
        case ChunkKind::samples: return "samples";
        case ChunkKind::process: return "process";
        case ChunkKind::module_load: return "module load";
        case ChunkKind::module_unload: return "module unload";
        case ChunkKind::stack: return "stack";
        case ChunkKind::site_snapshot: return "site snapshot";
        case ChunkKind::site_grid: return "site grid";
        case ChunkKind::symbols: return "symbols";
        case ChunkKind::run_end: return "run end";
        case ChunkKind::warnings: return "warnings";
        case ChunkKind::process_exit: return "process exit";
        case ChunkKind::tracking_lost: return "tracking lost";
    }
    return nullptr;
}

class ChunkApplier {
public:
    explicit ChunkApplier(const std::string& name)
        : bounded_(std::make_unique<BoundedRecording>(RecordingLimits{})), budget_(name) {}

    /// Applies one chunk to the model; throws PayloadError when its payload is malformed.
    /// Returns false for a kind this version does not know.
    bool apply(const Chunk& chunk) {
        const std::span<const std::uint8_t> payload(chunk.payload);
        const auto kind = static_cast<ChunkKind>(chunk.kind);
        // Limits rebuild the model, so they only count before anything but the run info.
        const bool data = kind != ChunkKind::run_info && kind != ChunkKind::limits;
        if (data && max_payload_bytes(chunk.kind) != 0) seen_data_ = true;
        switch (kind) {
            case ChunkKind::run_info:
                bounded_->set_info(decode_run_info(payload));
                return true;
            case ChunkKind::limits: {
                const RecordingLimits limits = decode_limits(payload);
                // The writer puts limits before any data; later ones cannot change a model already built.
                if (!seen_data_) {
                    RunInfo info = bounded_->model().info;
                    bounded_ = std::make_unique<BoundedRecording>(limits);
                    bounded_->set_info(std::move(info));
                }
                return true;
            }
            case ChunkKind::samples_v1:
            case ChunkKind::samples:
                decode_samples(payload, kind == ChunkKind::samples ? SampleLayout::counted_fields : SampleLayout::format1,
                               [this](SampleTier tier, std::uint32_t width, const SamplePoint& p) {
                    ++samples_read_;
                    if (tier == SampleTier::older) {
                        bounded_->load_older_sample(p, width);
                    } else {
                        bounded_->add_sample(p);
                    }
                });
                return true;
            case ChunkKind::process:
                for (auto& [index, label] : decode_processes(payload)) {
                    budget_.processes(1, label.size());
                    bounded_->set_process(index, std::move(label));
                }
                return true;
            case ChunkKind::module_load:
                for (auto& m : decode_modules(payload)) {
                    budget_.modules(1, m.path.size() + m.build_id.size());
                    bounded_->add_module(std::move(m));
                }
                return true;
            case ChunkKind::module_unload:
                for (const auto& u : decode_module_unloads(payload)) bounded_->unload_module(u.process, u.start, u.t_s);
                return true;
            case ChunkKind::stack:
                for (auto& s : decode_stacks(payload)) {
                    budget_.stacks(1, s.frames.size());
                    bounded_->add_stack(std::move(s));
                }
                return true;
            case ChunkKind::site_snapshot:
                for (const auto& snap : decode_site_snapshots(payload)) bounded_->add_site_snapshot(snap.t_s, snap.updates);
                return true;
            case ChunkKind::site_grid: {
                auto [series, state] = decode_site_grid(payload);
                bounded_->restore_site_grid(std::move(series), std::move(state));
                return true;
            }
            case ChunkKind::symbols:
                for (auto& [key, frames] : decode_symbols(payload)) {
                    std::uint64_t text = 0;
                    for (const auto& f : frames) text += f.function.size() + f.file.size() + f.module.size();
                    budget_.symbols(frames.size(), text);
                    bounded_->add_symbol(key, std::move(frames));
                }
                return true;
            case ChunkKind::run_end:
                bounded_->set_end(decode_run_end(payload));
                return true;
            case ChunkKind::warnings:
                for (auto& w : decode_warnings(payload)) {
                    budget_.warnings(1, w.size());
                    bounded_->add_warning(std::move(w));
                }
                return true;
            case ChunkKind::process_exit:
                for (const auto& [exit, sites] : decode_process_exits(payload)) bounded_->add_process_exit(exit, sites);
                return true;
            case ChunkKind::tracking_lost:
                for (auto& loss : decode_tracking_losses(payload)) {
                    budget_.warnings(1, loss.reason.size());
                    bounded_->add_tracking_loss(std::move(loss));
                }
                return true;
        }
        return false;
    }

    BoundedRecording& bounded() { return *bounded_; }
    std::uint64_t samples_read() const { return samples_read_; }

private:
    std::unique_ptr<BoundedRecording> bounded_;
    ReadBudget budget_;
    bool seen_data_ = false;
    std::uint64_t samples_read_ = 0;
};

/// Reads every chunk the scanner yields into the model; damage ends the read with a warning.
Recording read_chunks(ChunkScanner& scanner, const std::string& name) {
    ChunkApplier applier(name);
    std::string damage;
    std::uint64_t damage_at = 0;
    std::uint64_t unknown_chunks = 0;
    while (auto chunk = scanner.next()) {
        try {
            if (!applier.apply(*chunk)) ++unknown_chunks;
        } catch (const PayloadError& e) {
            // The checksum matched but the payload does not parse: written by a broken writer or forged.
            damage = std::string("bad ") + kind_name(chunk->kind) + " chunk: " + e.what();
            damage_at = chunk->offset;
            break;
        }
    }
    if (damage.empty() && !scanner.damage().empty()) {
        damage = scanner.damage();
        damage_at = scanner.damage_offset();
    }
    BoundedRecording& bounded = applier.bounded();
    if (!damage.empty()) {
        const bool truncated = damage.rfind("truncated", 0) == 0;
        bounded.add_warning(std::string("recording ") + (truncated ? "truncated" : "damaged") + " at byte " +
                            std::to_string(damage_at) + " (" + damage + "): read " +
                            std::to_string(applier.samples_read()) + " samples before it");
    }
    if (unknown_chunks > 0) {
        bounded.add_warning("skipped " + std::to_string(unknown_chunks) +
                            " chunks of a kind this leakscope does not know (written by a newer version?)");
    }
    return bounded.take_model();
}

}  // namespace

Recording read_recording_bytes(std::span<const std::uint8_t> bytes, const std::string& name, const ReadOptions& options) {
    check_header(bytes, name);
    ChunkScanner scanner(bytes, kFileHeaderBytes, options.verify_checksums);
    return read_chunks(scanner, name);
}

Recording read_recording(const std::string& path) {
    // O_NONBLOCK: opening a FIFO by mistake must not hang waiting for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) system_failure("cannot open recording", path, errno);
    struct FdCloser {
        int fd;
        ~FdCloser() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) system_failure("cannot stat recording", path, errno);
    if (S_ISDIR(st.st_mode)) refuse(path, "is a directory, not a leakscope recording");
    if (!S_ISREG(st.st_mode)) refuse(path, "is not a regular file, not a leakscope recording");
    // The header first, then one chunk at a time: a huge or sparse file is refused or read without
    // holding it whole. What is there now is read; a writer may still be appending after it.
    std::uint8_t header[kFileHeaderBytes];
    std::size_t got = 0;
    while (got < sizeof header) {
        const ssize_t n = ::pread(fd, header + got, sizeof header - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) system_failure("cannot read recording", path, errno);
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    check_header(std::span<const std::uint8_t>(header, got), path);
    ChunkScanner scanner(fd, static_cast<std::uint64_t>(st.st_size), kFileHeaderBytes);
    return read_chunks(scanner, path);
}

}  // namespace leakscope::recording
