#include "recording/recording_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "recording/bounded_recording.hpp"
#include "recording/byte_codec.hpp"
#include "recording/chunk_io.hpp"
#include "recording/chunk_payloads.hpp"
#include "recording/format.hpp"
#include "util/output_file.hpp"

namespace leakscope::recording {
namespace {

RecordingError system_error(const std::string& what, const std::string& path, int err) {
    return RecordingError(path, std::strerror(err), what + " " + path + ": " + std::strerror(err));
}

void write_all(int fd, const std::vector<std::uint8_t>& bytes, const std::string& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw system_error("cannot write recording", path, errno);
        }
        done += static_cast<std::size_t>(n);
    }
}

/// A writer killed during compaction leaves its temporary file ("PATH.compact.XXXXXX") behind; the
/// next writer of the same path removes it.
void remove_stale_compaction_files(const std::string& path) {
    const std::filesystem::path p(path);
    const std::string prefix = p.filename().string() + ".compact.";
    std::error_code ec;
    const auto dir = p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0) {
            std::filesystem::remove(entry.path(), ec);
        }
    }
}

/// Items of one list chunk being collected; framed as prefix + count + items.
struct ListChunk {
    ChunkKind kind;
    std::vector<std::uint8_t> prefix;
    std::uint64_t count = 0;
    std::vector<std::uint8_t> items;
    SamplePoint previous_sample;  ///< samples are delta-coded against the previous one in the chunk
};

}  // namespace

struct RecordingWriter::Impl {
    std::string path;
    int fd = -1;
    BoundedRecording bounded;
    ChunkEncoder encoder{kZstdAppendLevel};
    ChunkEncoder compaction_encoder{kZstdCompactLevel};
    ChunkEncoder* active_encoder = &encoder;  ///< compaction_encoder while encode_model() runs
    std::vector<ListChunk> pending;
    bool info_changed = false;
    std::vector<std::uint8_t> out;      ///< the bytes of one flush
    std::vector<std::uint8_t> scratch;  ///< one payload being framed
    std::uint64_t file_bytes = 0;
    std::uint64_t compact_above;  ///< file size that triggers the next compaction
    std::uint64_t compactions = 0;
    bool finished = false;
    /// Disk full (or any write error): the file lacks data the bounded model holds. Sampling goes on in
    /// memory; every kRetryEveryFlushes flushes the whole model is written anew (temp + rename).
    bool file_behind = false;
    std::string write_problem;        ///< the first failure's reason; empty when every write succeeded
    std::uint64_t flushes_behind = 0;
    static constexpr std::uint64_t kRetryEveryFlushes = 10;

    Impl(std::string p, const RecordingLimits& limits)
        : path(std::move(p)), bounded(limits), compact_above(limits.max_file_bytes) {}

    ~Impl() {
        if (fd >= 0) ::close(fd);
    }

    void check_open() const {
        if (finished) throw RecordingError("recording " + path + " is already finished");
    }

    /// The list chunk new items of `kind` go to: the last pending one if it has the same kind and
    /// room, so consecutive calls share one chunk while calls of different kinds keep their order.
    ListChunk& pending_chunk(ChunkKind kind) {
        if (pending.empty() || pending.back().kind != kind || pending.back().items.size() >= kTargetChunkBytes) {
            pending.push_back(ListChunk{kind});
            if (kind == ChunkKind::samples) {
                PayloadWriter w(pending.back().prefix);
                encode_samples_prefix(SampleTier::recent, 1, w);
            }
        }
        return pending.back();
    }

    void frame(const ListChunk& chunk, std::vector<std::uint8_t>& into) {
        scratch.clear();
        scratch.insert(scratch.end(), chunk.prefix.begin(), chunk.prefix.end());
        PayloadWriter(scratch).varint(chunk.count);
        scratch.insert(scratch.end(), chunk.items.begin(), chunk.items.end());
        active_encoder->append(chunk.kind, scratch, into);
    }

    void frame_single(ChunkKind kind, const std::vector<std::uint8_t>& payload, std::vector<std::uint8_t>& into) {
        active_encoder->append(kind, payload, into);
    }

    /// Frames `items` as list chunks of about kTargetChunkBytes each.
    template <typename Range, typename Encode>
    void frame_list(ChunkKind kind, const std::vector<std::uint8_t>& prefix, const Range& items, Encode encode,
                    std::vector<std::uint8_t>& into) {
        ListChunk chunk{kind, prefix};
        for (const auto& item : items) {
            PayloadWriter w(chunk.items);
            encode(item, w);
            ++chunk.count;
            if (chunk.items.size() >= kTargetChunkBytes) {
                frame(chunk, into);
                chunk.items.clear();
                chunk.count = 0;
            }
        }
        if (chunk.count > 0) frame(chunk, into);
    }

    /// Frames everything pending (and the end chunk when `with_end`), writes it with one write(2),
    /// then compacts when the file is over its bound.
    void flush(bool with_end = false) {
        check_open();
        out.clear();
        if (info_changed) {
            std::vector<std::uint8_t> payload;
            encode_run_info(bounded.model().info, payload);
            frame_single(ChunkKind::run_info, payload, out);
            info_changed = false;
        }
        if (file_behind) {
            // The model holds everything pending; only a whole rewrite can put the file right again.
            pending.clear();
            info_changed = false;
            if (with_end || ++flushes_behind % kRetryEveryFlushes == 0) catch_up();
            return;
        }
        for (const auto& chunk : pending) frame(chunk, out);
        pending.clear();
        if (with_end && bounded.model().end) {
            std::vector<std::uint8_t> payload;
            encode_run_end(*bounded.model().end, payload);
            frame_single(ChunkKind::run_end, payload, out);
        }
        if (!out.empty()) {
            try {
                write_all(fd, out, path);
            } catch (const RecordingError& e) {
                // Cut off a partly written flush, so later flushes are not stranded behind half a
                // chunk. Its data stays in the model; the run goes on and the file catches up later.
                if (::ftruncate(fd, static_cast<off_t>(file_bytes)) == 0) ::lseek(fd, static_cast<off_t>(file_bytes), SEEK_SET);
                fall_behind(e.reason());
                if (with_end) catch_up();
                return;
            }
            file_bytes += out.size();
        }
        if (file_bytes > compact_above) compact();
    }

    /// The whole bounded model as a fresh file's bytes.
    std::vector<std::uint8_t> encode_model() {
        active_encoder = &compaction_encoder;
        struct Restore {
            ChunkEncoder*& active;
            ChunkEncoder* normal;
            ~Restore() { active = normal; }
        } restore{active_encoder, &encoder};
        bounded.refresh();
        const Recording& m = bounded.model();
        std::vector<std::uint8_t> file;
        append_file_header(file);
        std::vector<std::uint8_t> payload;
        encode_run_info(m.info, payload);
        frame_single(ChunkKind::run_info, payload, file);
        payload.clear();
        encode_limits(bounded.limits(), payload);
        frame_single(ChunkKind::limits, payload, file);

        std::vector<std::uint32_t> indices(m.processes.size());
        for (std::uint32_t i = 0; i < indices.size(); ++i) indices[i] = i;
        frame_list(ChunkKind::process, {}, indices, [&](std::uint32_t i, PayloadWriter& w) { encode_process(i, m.processes[i], w); }, file);
        frame_list(ChunkKind::module_load, {}, m.modules, [](const Module& mod, PayloadWriter& w) { encode_module(mod, w); }, file);
        frame_list(ChunkKind::stack, {}, m.stacks, [](const auto& entry, PayloadWriter& w) { encode_stack(entry.second, w); }, file);
        frame_list(ChunkKind::warnings, {}, m.warnings, [](const std::string& s, PayloadWriter& w) { encode_warning(s, w); }, file);

        // Samples: the older tier (with its bucket width), then the recent tier, each delta-coded.
        const auto& tiers = bounded.sample_tiers();
        const std::span<const SamplePoint> all(m.samples);
        const auto older = all.first(tiers.older_count());
        const auto recent = all.subspan(tiers.older_count());
        for (const auto& [tier, points] : {std::pair{SampleTier::older, older}, std::pair{SampleTier::recent, recent}}) {
            std::vector<std::uint8_t> prefix;
            PayloadWriter pw(prefix);
            encode_samples_prefix(tier, tier == SampleTier::older ? tiers.bucket_width() : 1, pw);
            // Split by hand: the delta base restarts with every chunk, as the reader expects.
            ListChunk chunk{ChunkKind::samples, prefix};
            for (const SamplePoint& p : points) {
                PayloadWriter w(chunk.items);
                encode_sample(chunk.count == 0 ? SamplePoint{} : chunk.previous_sample, p, w);
                chunk.previous_sample = p;
                if (++chunk.count, chunk.items.size() >= kTargetChunkBytes) {
                    frame(chunk, file);
                    chunk.items.clear();
                    chunk.count = 0;
                }
            }
            if (chunk.count > 0) frame(chunk, file);
        }
        if (!m.sites.t_s.empty() || !m.sites.sites.empty()) {
            payload.clear();
            encode_site_grid(m.sites, bounded.site_grid().state(), payload);
            frame_single(ChunkKind::site_grid, payload, file);
        }
        std::map<std::uint32_t, std::vector<ExitSite>> sites_by_process;
        for (const ExitSite& site : m.exit_sites) sites_by_process[site.process].push_back(site);
        frame_list(ChunkKind::process_exit, {}, m.exits, [&](const ProcessExit& exit, PayloadWriter& w) {
            encode_process_exit(exit, sites_by_process[exit.process], w);
        }, file);
        frame_list(ChunkKind::tracking_lost, {}, m.tracking_lost, [](const TrackingLoss& loss, PayloadWriter& w) {
            encode_tracking_loss(loss, w);
        }, file);
        frame_list(ChunkKind::symbols, {}, m.symbols, [](const auto& entry, PayloadWriter& w) { encode_symbol(entry.first, entry.second, w); }, file);
        if (m.end) {
            payload.clear();
            encode_run_end(*m.end, payload);
            frame_single(ChunkKind::run_end, payload, file);
        }
        return file;
    }

    void fall_behind(const std::string& reason) {
        file_behind = true;
        flushes_behind = 0;
        if (write_problem.empty()) {
            write_problem = reason;
            // In the model (so every report says it); it reaches the file with the rewrite.
            bounded.add_warning("the recording could not be written (" + reason +
                                "); leakscope kept sampling in memory and retried every " +
                                std::to_string(kRetryEveryFlushes) + " s");
        }
    }

    /// Tries to write the whole model anew; on success the file is complete again.
    void catch_up() {
        std::string error;
        if (rewrite(error)) {
            file_behind = false;
            return;
        }
    }

    /// Rewrites the file from the bounded model: temp file beside it, fsync, rename over. A crash at
    /// any point leaves either the old file or the new one, both complete up to their last chunk.
    void compact() {
        std::string error;
        if (rewrite(error)) return;
        if (file_behind) return;  // the disk-full path already said so, once
        // Keep appending to the old, still valid file; try again after it grew by another quarter.
        const std::string warning = "recording compaction failed: " + error;
        bounded.add_warning(warning);
        ListChunk& chunk = pending_chunk(ChunkKind::warnings);
        PayloadWriter w(chunk.items);
        encode_warning(warning, w);
        ++chunk.count;
        compact_above = file_bytes + bounded.limits().max_file_bytes / 4;
    }

    /// Writes the whole model to a new file renamed over the old one; false (and why) when it cannot.
    bool rewrite(std::string& error) {
        const std::vector<std::uint8_t> file = encode_model();
        std::string temp = path + ".compact.XXXXXX";
        const int temp_fd = ::mkostemp(temp.data(), O_CLOEXEC);
        try {
            if (temp_fd < 0) throw system_error("cannot create temporary file for", path, errno);
            if (::fchmod(temp_fd, 0600) != 0) throw system_error("cannot set mode of", temp, errno);
            write_all(temp_fd, file, temp);
            if (::fsync(temp_fd) != 0) throw system_error("cannot sync", temp, errno);
            if (::rename(temp.c_str(), path.c_str()) != 0) throw system_error("cannot replace", path, errno);
        } catch (const RecordingError& e) {
            if (temp_fd >= 0) {
                ::close(temp_fd);
                ::unlink(temp.c_str());
            }
            error = e.what();
            return false;
        }
        // Make the rename itself durable.
        const std::string dir = std::filesystem::path(path).parent_path().string();
        const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd >= 0) {
            ::fsync(dir_fd);
            ::close(dir_fd);
        }
        ::close(fd);
        fd = temp_fd;
        file_bytes = file.size();
        compact_above = bounded.limits().max_file_bytes;
        ++compactions;
        return true;
    }
};

RecordingWriter::RecordingWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordingWriter::RecordingWriter(RecordingWriter&&) noexcept = default;
RecordingWriter& RecordingWriter::operator=(RecordingWriter&&) noexcept = default;

RecordingWriter::~RecordingWriter() {
    if (impl_ && !impl_->finished && impl_->fd >= 0) {
        try {
            impl_->flush();
        } catch (...) {
            // A destructor must not throw; what was flushed before stays readable.
        }
    }
}

RecordingWriter RecordingWriter::create(const std::string& path, const RunInfo& info, const RecordingLimits& limits) {
    if (const char* why = check_limits(limits)) throw RecordingError(std::string("invalid recording limits: ") + why);
    remove_stale_compaction_files(path);
    auto impl = std::make_unique<Impl>(path, limits);
    impl->bounded.set_info(info);
    std::vector<std::uint8_t> bytes;
    append_file_header(bytes);
    std::vector<std::uint8_t> payload;
    encode_run_info(info, payload);
    impl->frame_single(ChunkKind::run_info, payload, bytes);
    payload.clear();
    encode_limits(limits, payload);
    impl->frame_single(ChunkKind::limits, payload, bytes);
    // A new private file (0600: it holds command lines and addresses) renamed over the path once its
    // header is written: no symlink or device at the path is followed (think `-o /dev/null` or a link
    // planted in /tmp, as root), and a disk that is full at the start leaves no empty recording.
    try {
        util::OutputFile file(path);
        write_all(file.fd(), bytes, path);
        file.commit(/*keep_open=*/true);
        impl->fd = file.release();
    } catch (const util::OutputError& e) {
        throw RecordingError(path, e.reason(), std::string("cannot create recording ") + e.what());
    }
    impl->file_bytes = bytes.size();
    return RecordingWriter(std::move(impl));
}

void RecordingWriter::add_sample(const SamplePoint& point) {
    impl_->check_open();
    impl_->bounded.add_sample(point);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::samples);
    PayloadWriter w(chunk.items);
    encode_sample(chunk.count == 0 ? SamplePoint{} : chunk.previous_sample, point, w);
    chunk.previous_sample = point;
    ++chunk.count;
}

std::uint32_t RecordingWriter::add_process(const std::string& label) {
    impl_->check_open();
    const std::uint32_t index = impl_->bounded.add_process(label);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::process);
    PayloadWriter w(chunk.items);
    encode_process(index, label, w);
    ++chunk.count;
    return index;
}

void RecordingWriter::add_module(const Module& module) {
    impl_->check_open();
    impl_->bounded.add_module(module);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::module_load);
    PayloadWriter w(chunk.items);
    encode_module(module, w);
    ++chunk.count;
}

void RecordingWriter::module_unloaded(std::uint32_t process, std::uint64_t start, double t_s) {
    impl_->check_open();
    impl_->bounded.unload_module(process, start, t_s);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::module_unload);
    PayloadWriter w(chunk.items);
    encode_module_unload(ModuleUnload{process, start, t_s}, w);
    ++chunk.count;
}

void RecordingWriter::add_stack(const Stack& stack) {
    impl_->check_open();
    impl_->bounded.add_stack(stack);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::stack);
    PayloadWriter w(chunk.items);
    encode_stack(stack, w);
    ++chunk.count;
}

void RecordingWriter::add_site_snapshot(double t_s, std::span<const SiteUpdate> updates) {
    impl_->check_open();
    impl_->bounded.add_site_snapshot(t_s, updates);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::site_snapshot);
    PayloadWriter w(chunk.items);
    encode_site_snapshot(t_s, updates, w);
    ++chunk.count;
}

void RecordingWriter::set_symbols(std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ResolvedFrame>> symbols) {
    impl_->check_open();
    impl_->bounded.set_symbols(std::move(symbols));
}

void RecordingWriter::add_warning(const std::string& warning) {
    impl_->check_open();
    impl_->bounded.add_warning(warning);
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::warnings);
    PayloadWriter w(chunk.items);
    encode_warning(warning, w);
    ++chunk.count;
}

void RecordingWriter::add_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites) {
    impl_->check_open();
    if (!impl_->bounded.add_process_exit(exit, sites)) return;
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::process_exit);
    PayloadWriter w(chunk.items);
    encode_process_exit(exit, sites, w);
    ++chunk.count;
}

void RecordingWriter::add_tracking_loss(const TrackingLoss& loss) {
    impl_->check_open();
    if (!impl_->bounded.add_tracking_loss(loss)) return;
    ListChunk& chunk = impl_->pending_chunk(ChunkKind::tracking_lost);
    PayloadWriter w(chunk.items);
    encode_tracking_loss(loss, w);
    ++chunk.count;
}

void RecordingWriter::update_info(const RunInfo& info) {
    impl_->check_open();
    impl_->bounded.set_info(info);
    impl_->info_changed = true;
}

void RecordingWriter::flush() { impl_->flush(); }

void RecordingWriter::finish(const RunEnd& end) {
    impl_->check_open();
    Impl& im = *impl_;
    im.bounded.set_end(end);
    // Symbols and the end go after everything still pending, so the end chunk is the file's last.
    for (const auto& [key, frames] : im.bounded.model().symbols) {
        ListChunk& chunk = im.pending_chunk(ChunkKind::symbols);
        PayloadWriter w(chunk.items);
        encode_symbol(key, frames, w);
        ++chunk.count;
    }
    im.flush(/*with_end=*/true);
    // A full disk is not fatal: the model is whole, the reports are written from it, and
    // write_problem() tells the caller what the file lacks.
    if (::fsync(im.fd) != 0 && im.write_problem.empty()) im.write_problem = std::strerror(errno);
    ::close(im.fd);
    im.fd = -1;
    im.finished = true;
}

const Recording& RecordingWriter::model() const {
    // The open site-grid column's means are derived lazily; bring them up to date for the caller.
    impl_->bounded.refresh();
    return impl_->bounded.model();
}

const std::string& RecordingWriter::path() const { return impl_->path; }
std::uint64_t RecordingWriter::file_bytes() const { return impl_->file_bytes; }
std::optional<std::string> RecordingWriter::unwritten() const {
    if (!impl_->file_behind && impl_->write_problem.empty()) return std::nullopt;
    return impl_->file_behind ? "could not be written (" + impl_->write_problem + "); it holds the run up to the disk error only"
                              : "was written in full after a write error (" + impl_->write_problem + ") was overcome";
}
std::uint64_t RecordingWriter::compactions() const { return impl_->compactions; }

}  // namespace leakscope::recording
