// Fuzz target for the name handling of site naming (src/symbols/demangle.hpp, user_frame.hpp):
// symbol names come from the files being symbolized, which may be anything.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "symbols/demangle.hpp"
#include "symbols/user_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace leakscope::symbols;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::string demangled = demangle(input);
    for (const std::string& name : {std::string(input), demangled}) {
        // The scope name is always a piece of the name it came from.
        const std::string scope = function_scope_name(name);
        if (name.find(scope) == std::string::npos) std::abort();
        (void)is_allocation_plumbing(leakscope::ResolvedFrame{name, {}, 0, std::string(input), 0, false});
    }
    return 0;
}
