#!/usr/bin/env bash
# Issue 16 at the CLI: outputs never follow symlinks (item 2), argv that is not UTF-8 still gives valid
# reports (item 8). Each refused output is one line on stderr, a non-zero exit, and the link's target
# untouched.
set -u
leakscope=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

printf 'precious\n' > victim
chmod 644 victim
"$leakscope" run -q --no-status -o rec.lks -- true || fail "could not make a recording"

for option in --json --html --markdown --csv --folded; do
    ln -sf victim "out$option"
    err=$("$leakscope" analyze -q rec.lks "$option" "out$option" 2>&1 >/dev/null)
    rc=$?
    [ "$rc" = 125 ] || fail "$option through a symlink: exit $rc"
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "$option: not one line: $err"
    case "$err" in *"out$option: a symbolic link"*) ;; *) fail "$option: message: $err" ;; esac
done
ln -sf victim report-link.html
"$leakscope" report rec.lks -o report-link.html 2>/dev/null && fail "report -o through a symlink succeeded"
ln -sf victim rec-link.lks
err=$("$leakscope" run -q --no-status -o rec-link.lks -- true 2>&1)
[ $? = 125 ] || fail "run -o through a symlink: $err"
case "$err" in *"rec-link.lks: a symbolic link"*) ;; *) fail "run -o message: $err" ;; esac
[ "$(cat victim)" = precious ] || fail "the link's target was written"
[ "$(stat -c %a victim)" = 644 ] || fail "the link's target was re-moded: $(stat -c %a victim)"
ls -a | grep -q '\.tmp\.' && fail "a temporary file was left behind: $(ls -a)"

# Reports get the recording's mode.
"$leakscope" analyze -q rec.lks --json r.json --html r.html --markdown r.md || fail "analyze failed"
for f in rec.lks r.json r.html r.md; do
    [ "$(stat -c %a "$f")" = 600 ] || fail "$f has mode $(stat -c %a "$f")"
done

# argv that is not UTF-8: the run succeeds and every report is valid UTF-8 (JSON parses).
"$leakscope" run -q --no-status -o bad.lks --json bad.json --html bad.html --markdown bad.md -- sh -c 'exit 0' $'\xff\xfe' $'caf\xc3' \
    || fail "run with non-UTF-8 argv exited $?"
python3 - bad.json bad.html bad.md <<'PY' || fail "reports are not valid UTF-8 / JSON"
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
assert "\ufffd" in " ".join(report["target"]["command"]), report["target"]["command"]
for path in sys.argv[2:]:
    open(path, encoding="utf-8").read()
PY
"$leakscope" analyze -q bad.lks --json - | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "analyze of the recording"

if [ "$failures" -gt 0 ]; then
    echo "$failures hostile-output case(s) failed"
    exit 1
fi
echo "all hostile-output cases passed"
