// Strong integer ids, so a stack id cannot be passed where a process index is expected.
#pragma once

#include <compare>
#include <cstdint>

namespace leakscope {

template <typename Tag>
struct StrongId {
    std::uint32_t value = 0;
    constexpr auto operator<=>(const StrongId&) const = default;
};

struct StackIdTag {};
using StackId = StrongId<StackIdTag>;

}  // namespace leakscope
