#include "python_layout.hpp"

namespace leakscope::tracker::python {

const Layout* layout_for(unsigned major, unsigned minor) {
    if (major != 3) return nullptr;
    if (minor == 11) return &kCPython311;
    if (minor == 12) return &kCPython312;
    return nullptr;
}

}  // namespace leakscope::tracker::python
