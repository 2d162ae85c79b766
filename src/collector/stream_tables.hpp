// What each tracker stream sent that a forked child's stream refers to: its stacks (frames and the
// global ids given to them) and its Python frames, by the stream's id. A child's stream names its
// parent's and how many stacks and Python frames it inherited; the child's sites on an inherited
// stack get a stack of their own (same frames, the child's process) when they first appear.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/recording.hpp"

namespace leakscope::collector {

class StreamTable {
public:
    StreamTable() = default;
    /// A forked child's table: ids below the counts are looked up in `parent` (null: a parent this
    /// collector does not know; those ids stay unresolved).
    StreamTable(std::shared_ptr<const StreamTable> parent, std::uint32_t inherited_stacks, std::uint32_t inherited_python_frames)
        : parent_(std::move(parent)), inherited_stacks_(inherited_stacks), inherited_python_frames_(inherited_python_frames) {}

    /// The global id of local stack `local_id` on this stream, if it was delivered here.
    const StackId* stack_id(std::uint32_t local_id) const;
    /// A stack the stream sent. False when the id was already known (a resend).
    bool add_stack(std::uint32_t local_id, StackId id, std::vector<std::uint64_t> frames);
    /// A stack inherited from the parent, now delivered under `id` for this stream's process.
    void add_inherited(std::uint32_t local_id, StackId id);
    /// The frames of an inherited local stack id, from the parent chain; null when unknown.
    const std::vector<std::uint64_t>* inherited_frames(std::uint32_t local_id) const;
    bool inherits(std::uint32_t local_id) const { return local_id < inherited_stacks_; }

    void add_python_frame(std::uint64_t address, ResolvedFrame frame) { python_frames_.emplace_back(address, std::move(frame)); }
    /// The Python frames this stream inherited (the first ones of its parent's, in order).
    std::vector<std::pair<std::uint64_t, const ResolvedFrame*>> inherited_python_frames() const;
    bool parent_known() const { return parent_ != nullptr; }

private:
    struct Entry {
        StackId id;
        std::vector<std::uint64_t> frames;
        bool inherited = false;  ///< the frames are the parent's
    };
    /// The frames of local id `id` as this stream knows it (own or through its parent).
    const std::vector<std::uint64_t>* frames(std::uint32_t id) const;
    void python_frames_upto(std::uint32_t count, std::vector<std::pair<std::uint64_t, const ResolvedFrame*>>& out) const;

    std::shared_ptr<const StreamTable> parent_;
    std::uint32_t inherited_stacks_ = 0;
    std::uint32_t inherited_python_frames_ = 0;
    std::unordered_map<std::uint32_t, Entry> stacks_;
    std::vector<std::pair<std::uint64_t, ResolvedFrame>> python_frames_;  ///< own, in the order sent
};

/// The tables of open streams, and of the last ones that ended (a child may connect after its parent
/// exited: a daemon's double fork). A child's table holds its parent's for as long as it needs it.
class StreamTables {
public:
    static constexpr std::size_t kEndedKept = 64;
    /// Registers an open stream's table; false when the id is taken (then it is not registered).
    bool open(std::uint64_t stream_id, std::shared_ptr<StreamTable> table);
    std::shared_ptr<const StreamTable> find(std::uint64_t stream_id) const;
    void ended(std::uint64_t stream_id);

private:
    std::unordered_map<std::uint64_t, std::shared_ptr<StreamTable>> by_id_;
    std::deque<std::uint64_t> ended_;
};

}  // namespace leakscope::collector
