// The structure of an HTML report without its numbers: what the HTML golden files hold. Element
// names with their ids and classes, headings with their text; inside SVG charts, tables, tile grids
// and legends, a count per kind of element (so a new tick or row shows as a count change, not as a
// wall of coordinate diffs).
#pragma once

#include <string>
#include <string_view>

namespace leakscope::report::testing {

std::string html_outline(std::string_view html);

}  // namespace leakscope::report::testing
