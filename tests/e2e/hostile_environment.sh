#!/usr/bin/env bash
# Issue 16 at the CLI, bad luck rather than malice: a disk that fills during the run (item 11), a
# read-only working directory, a target killed by a signal (item 12). The filesystems are small tmpfs
# mounts in a private user+mount namespace (unshare -rm), so no privilege is needed; without unshare
# those cases are skipped and say so.
set -u
leakscope=$1
leaky=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A death by signal is not "exited".
"$leakscope" run -q --no-status --no-track -o sig.lks --json sig.json -- sh -c 'sleep 0.3; kill -9 $$'
python3 -c 'import json,sys; r=json.load(open("sig.json")); sys.exit(0 if r["target"]["end_reason"]=="killed-by-signal" else 1)' \
    || fail "end_reason of a SIGKILLed target: $(python3 -c 'import json; print(json.load(open("sig.json"))["target"]["end_reason"])')"

if ! unshare -rm true 2>/dev/null; then
    echo "unshare -rm is not available: disk-full and read-only cases skipped"
else
    mkdir full ro
    # 4 KiB left: the header fits, a tracked leak of a few seconds does not.
    unshare -rm sh -c "mount -t tmpfs -o size=12k tmpfs full && head -c 8192 /dev/zero > full/filler && \
        '$leakscope' run --no-status -o full/run.lks --json '$work/full.json' --markdown '$work/full.md' -- '$leaky' 4" \
        > full.out 2> full.err
    rc=$?
    [ "$rc" = 0 ] || fail "disk full: exit $rc (the target's own is 0): $(cat full.err)"
    [ -s full.json ] || fail "disk full: no JSON report"
    [ -s full.md ] || fail "disk full: no Markdown report"
    grep -q "could not be written (No space left on device)" full.err || fail "disk full: no note on stderr: $(cat full.err)"
    python3 - full.json <<'PY' || fail "disk full: the JSON report does not say what was lost"
import json, sys
report = json.load(open(sys.argv[1]))
warnings = " ".join(str(w) for w in report.get("warnings", []))
assert "could not be written (No space left on device)" in warnings, warnings
assert report["target"]["duration_s"] > 3, report["target"]["duration_s"]
PY
    # A disk full from the start: a clear line, and no empty recording left behind.
    out=$(unshare -rm sh -c "mount -t tmpfs -o size=4k tmpfs full && head -c 4096 /dev/zero > full/filler 2>/dev/null; \
        '$leakscope' run --no-status -o full/run.lks -- true; echo rc=\$?; ls full" 2>&1)
    case "$out" in *"cannot write the recording to full/run.lks"*) ;; *) fail "full at start: $out" ;; esac
    case "$out" in *run.lks\ *|*"run.lks"$'\n'*|*$'\n'run.lks) fail "full at start left a recording: $out" ;; esac
    # A read-only working directory: the message names the path that was tried.
    out=$(unshare -rm sh -c "mount -t tmpfs -o ro tmpfs ro && cd ro && '$leakscope' run --no-status -- true" 2>&1)
    case "$out" in *"cannot write the recording to $work/ro/leakscope.true.<pid>.lks: Read-only file system"*) ;;
        *) fail "read-only cwd: $out" ;; esac
fi

if [ "$failures" -gt 0 ]; then
    echo "$failures hostile-environment case(s) failed"
    exit 1
fi
echo "all hostile-environment cases passed"
