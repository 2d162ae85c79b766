#!/usr/bin/env bash
# `make demo`: leakscope watching a bundled service that warms up and then leaks, printing its verdict.
set -euo pipefail
build=${1:-build}
out="$build/demo"
mkdir -p "$out"
echo "== leakscope run -- leaky_service 12   (a 24 MB warm-up, then an audit log that is never trimmed)"
"$build/bin/leakscope" run --no-status --events-regex 'request [0-9]+ done' \
    -o "$out/leaky_service.lks" --json "$out/report.json" --html "$out/report.html" \
    --markdown "$out/report.md" -- "$build/bin/examples/leaky_service" 12 >/dev/null
echo
echo "Reports: $out/report.html (open it in a browser), $out/report.json, $out/report.md"
