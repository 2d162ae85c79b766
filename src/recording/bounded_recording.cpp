#include "recording/bounded_recording.hpp"

#include "recording/byte_codec.hpp"

namespace leakscope::recording {

BoundedRecording::BoundedRecording(const RecordingLimits& limits)
    : limits_(limits),
      samples_(limits.recent_samples, limits.older_buckets),
      grid_(limits.site_grid_cells, limits.site_min_columns, limits.site_max_columns) {}

std::uint32_t BoundedRecording::add_process(std::string label) {
    model_.processes.push_back(std::move(label));
    return static_cast<std::uint32_t>(model_.processes.size() - 1);
}

void BoundedRecording::set_process(std::uint32_t index, std::string label) {
    if (index > model_.processes.size()) throw PayloadError("process index skips ahead");
    if (index == model_.processes.size()) {
        model_.processes.push_back(std::move(label));
    } else {
        model_.processes[index] = std::move(label);
    }
}

bool BoundedRecording::unload_module(std::uint32_t process, std::uint64_t start, double t_s) {
    for (auto it = model_.modules.rbegin(); it != model_.modules.rend(); ++it) {
        if (it->process == process && it->start == start && !it->unloaded_t_s) {
            it->unloaded_t_s = t_s;
            return true;
        }
    }
    return false;
}

void BoundedRecording::add_stack(Stack stack) {
    const StackId id = stack.id;
    model_.stacks.insert_or_assign(id, std::move(stack));
}

bool BoundedRecording::add_process_exit(const ProcessExit& exit, std::span<const ExitSite> sites) {
    if (model_.exits.size() >= kMaxProcessExits) return false;
    model_.exits.push_back(exit);
    for (ExitSite site : sites) {
        site.process = exit.process;
        model_.exit_sites.push_back(site);
    }
    return true;
}

bool BoundedRecording::add_tracking_loss(TrackingLoss loss) {
    if (model_.tracking_lost.size() >= kMaxTrackingLosses) return false;
    forget_stale_heap(model_.samples, loss.t_s);
    model_.tracking_lost.push_back(std::move(loss));
    return true;
}

Recording BoundedRecording::take_model() {
    refresh();
    // Again at the end: a reader may meet the loss before the samples it makes stale.
    for (const auto& loss : model_.tracking_lost) forget_stale_heap(model_.samples, loss.t_s);
    return std::move(model_);
}

void forget_stale_heap(std::vector<SamplePoint>& samples, double loss_t_s) {
    for (auto& s : samples) {
        if (s.t_s < loss_t_s) continue;
        if (!known(s.live_heap)) break;
        if (s.t_s == loss_t_s) continue;  // a silent stream's last report: still true
        s.live_heap = s.live_heap_min = s.live_heap_max = s.mapped = s.allocations = s.frees = kUnknownBytes;
        s.allocator_footprint = s.allocator_in_use = s.allocator_free = kUnknownBytes;
    }
}

}  // namespace leakscope::recording
