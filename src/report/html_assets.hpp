// The HTML report's stylesheet and script, inlined into every page (the report opens offline).
#pragma once

namespace leakscope::report::html {

extern const char* const kPageStyle;
extern const char* const kPageScript;

}  // namespace leakscope::report::html
