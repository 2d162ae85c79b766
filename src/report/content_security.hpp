// The HTML report's Content-Security-Policy. The page's one script is allowed by its SHA-256 hash, not
// by 'unsafe-inline': inline event handlers (onerror=, onload=) never run, whatever text a program's
// names or a crafted recording put into the page, and nothing is loaded from anywhere else.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace leakscope::report {

/// SHA-256 (FIPS 180-4) of `data`.
std::array<std::uint8_t, 32> sha256(std::string_view data);

/// "'sha256-<base64>'": the CSP source expression that allows exactly this inline script's text.
std::string csp_script_hash(std::string_view script);

/// The <meta http-equiv="Content-Security-Policy"> element for a page whose only script is `script`.
std::string content_security_meta(std::string_view script);

}  // namespace leakscope::report
