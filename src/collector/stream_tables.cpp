#include "collector/stream_tables.hpp"

namespace leakscope::collector {

const StackId* StreamTable::stack_id(std::uint32_t local_id) const {
    const auto it = stacks_.find(local_id);
    return it == stacks_.end() ? nullptr : &it->second.id;
}

bool StreamTable::add_stack(std::uint32_t local_id, StackId id, std::vector<std::uint64_t> frames) {
    return stacks_.try_emplace(local_id, Entry{id, std::move(frames), false}).second;
}

void StreamTable::add_inherited(std::uint32_t local_id, StackId id) { stacks_.try_emplace(local_id, Entry{id, {}, true}); }

const std::vector<std::uint64_t>* StreamTable::frames(std::uint32_t id) const {
    // Iterative: a chain of forks (a worker that forks workers) may be long.
    for (const StreamTable* table = this; table != nullptr; table = table->parent_.get()) {
        const auto it = table->stacks_.find(id);
        if (it != table->stacks_.end() && !it->second.inherited) return &it->second.frames;
        if (id >= table->inherited_stacks_) return nullptr;
    }
    return nullptr;
}

const std::vector<std::uint64_t>* StreamTable::inherited_frames(std::uint32_t local_id) const {
    return inherits(local_id) && parent_ ? parent_->frames(local_id) : nullptr;
}

void StreamTable::python_frames_upto(std::uint32_t count, std::vector<std::pair<std::uint64_t, const ResolvedFrame*>>& out) const {
    // Frames below inherited_python_frames_ are the parent's; this stream's own follow, in order.
    if (parent_) parent_->python_frames_upto(std::min(count, inherited_python_frames_), out);
    for (std::size_t i = 0; i < python_frames_.size() && inherited_python_frames_ + i < count; ++i)
        out.emplace_back(python_frames_[i].first, &python_frames_[i].second);
}

std::vector<std::pair<std::uint64_t, const ResolvedFrame*>> StreamTable::inherited_python_frames() const {
    std::vector<std::pair<std::uint64_t, const ResolvedFrame*>> out;
    if (parent_) parent_->python_frames_upto(inherited_python_frames_, out);
    return out;
}

bool StreamTables::open(std::uint64_t stream_id, std::shared_ptr<StreamTable> table) {
    if (stream_id == 0) return false;
    return by_id_.try_emplace(stream_id, std::move(table)).second;
}

std::shared_ptr<const StreamTable> StreamTables::find(std::uint64_t stream_id) const {
    const auto it = by_id_.find(stream_id);
    return it == by_id_.end() ? nullptr : it->second;
}

void StreamTables::ended(std::uint64_t stream_id) {
    if (!by_id_.count(stream_id)) return;
    ended_.push_back(stream_id);
    while (ended_.size() > kEndedKept) {
        by_id_.erase(ended_.front());
        ended_.pop_front();
    }
}

}  // namespace leakscope::collector
