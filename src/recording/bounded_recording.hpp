// The in-memory Recording plus the state that keeps it bounded. The writer applies each call here as it
// writes the matching chunk; the reader applies each chunk it reads; both end with the same model.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "model/recording.hpp"
#include "recording/bounded_series.hpp"
#include "recording/recording_limits.hpp"

namespace leakscope::recording {

class BoundedRecording {
public:
    explicit BoundedRecording(const RecordingLimits& limits);

    const Recording& model() const { return model_; }
    const RecordingLimits& limits() const { return limits_; }
    const SampleTiers& sample_tiers() const { return samples_; }
    const SiteGrid& site_grid() const { return grid_; }
    /// Hands the model over (the reader's result); the object is not used afterwards.
    Recording take_model();

    void set_info(RunInfo info) { model_.info = std::move(info); }
    void add_sample(const SamplePoint& point) { samples_.add(model_.samples, point); }
    void load_older_sample(const SamplePoint& bucket, std::uint32_t width) {
        samples_.load_older(model_.samples, bucket, width);
    }
    /// Returns the new process's index.
    std::uint32_t add_process(std::string label);
    /// Sets the process at `index` (the reader); index may be at most one past the last.
    void set_process(std::uint32_t index, std::string label);
    void add_module(Module module) { model_.modules.push_back(std::move(module)); }
    /// Marks the newest still-loaded module of `process` starting at `start` as unloaded.
    /// Returns false when there is none.
    bool unload_module(std::uint32_t process, std::uint64_t start, double t_s);
    void add_stack(Stack stack);
    void add_site_snapshot(double t_s, std::span<const SiteUpdate> updates) {
        grid_.add_snapshot(model_.sites, t_s, updates);
    }
    void restore_site_grid(SiteSeries series, SiteGridState state) {
        grid_.restore(model_.sites, std::move(series), std::move(state));
    }
    void set_symbols(std::map<std::pair<std::uint32_t, std::uint64_t>, std::vector<ResolvedFrame>> symbols) {
        model_.symbols = std::move(symbols);
    }
    void add_symbol(std::pair<std::uint32_t, std::uint64_t> key, std::vector<ResolvedFrame> frames) {
        model_.symbols[key] = std::move(frames);
    }
    void set_end(const RunEnd& end) { model_.end = end; }
    /// A tracked process ended. Beyond kMaxProcessExits processes (a shell loop running short tracked
    /// programs for days) further exits are not kept: returns false then.
    bool add_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites);
    static constexpr std::size_t kMaxProcessExits = 4096;
    /// A stream was lost while its process ran. Only the first kMaxTrackingLosses are kept: the heap is
    /// unknown from the first one on, the rest only name more processes. Returns false when not kept.
    /// The samples it made stale are forgotten (forget_stale_heap).
    bool add_tracking_loss(TrackingLoss loss);
    static constexpr std::size_t kMaxTrackingLosses = 64;
    void add_warning(std::string warning) { model_.warnings.push_back(std::move(warning)); }
    /// Brings the open site-grid column's means up to date (call before reading the model).
    void refresh() { grid_.refresh(model_.sites); }

private:
    RecordingLimits limits_;
    Recording model_;
    SampleTiers samples_;
    SiteGrid grid_;
};

/// A stream that went silent is found lost only a while after its last report (TrackingLoss::t_s):
/// the samples in between carry its last totals as if current. Their heap fields become unknown, from
/// the first sample after `loss_t_s` up to the first one already unknown (the one where the loss was
/// found; for a stream that ended, that is the sample at `loss_t_s` itself, so nothing changes).
void forget_stale_heap(std::vector<SamplePoint>& samples, double loss_t_s);

}  // namespace leakscope::recording
