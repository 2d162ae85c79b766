#!/usr/bin/env bash
# Golden tests of the CLI's answers to bad input: each case must print exactly one line on stderr
# (compared to the expected text), nothing on stdout, and exit with the expected code; never hang.
set -u
leakscope=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'not a recording\n' > notes.txt
printf '#!/bin/sh\necho hi\n' > not-executable.sh
chmod 644 not-executable.sh
mkdir readonly && chmod 555 readonly

failures=0
# expect CODE "EXPECTED STDERR LINE" ARGS...
expect() {
    local code=$1 line=$2
    shift 2
    local out err rc
    out=$(timeout 20 "$leakscope" "$@" 2>"$work/stderr" </dev/null)
    rc=$?
    err=$(cat "$work/stderr")
    if [ "$rc" != "$code" ] || [ "$err" != "$line" ] || [ -n "$out" ]; then
        echo "FAIL: leakscope $*"
        echo "  expected exit $code, stderr: $line"
        echo "  got      exit $rc, stderr: $err"
        [ -n "$out" ] && echo "  and stdout: $out"
        failures=$((failures + 1))
    fi
}

expect 2 "leakscope: no command given (usage: leakscope run [options] -- CMD [ARGS...])" run
expect 127 "leakscope: command not found: no-such-command-xyz" run -- no-such-command-xyz
expect 127 "leakscope: no such file: ./missing-program" run -- ./missing-program
expect 126 "leakscope: not executable: ./not-executable.sh" run -- ./not-executable.sh
expect 126 "leakscope: is a directory, not a program: ./readonly" run -- ./readonly
expect 2 "leakscope: unknown option --frobnicate (see 'leakscope run --help')" run --frobnicate -- true
expect 2 "leakscope: --gc-trace and --no-gc-trace: choose one" run --gc-trace --no-gc-trace -- true
expect 2 "leakscope: --interval: 'fast' is not a duration between 1ms and 1h (examples: 100ms, 1s)" run --interval fast -- true
expect 2 "leakscope: --interval: '0' is not a duration between 1ms and 1h (examples: 100ms, 1s)" run --interval 0 -- true
expect 2 "leakscope: --duration: '-5s' is not a positive duration (examples: 30s, 5m, 2h)" run --duration=-5s -- true
expect 2 "leakscope: --limit: '12 apples' is not a size (examples: 512M, 8G, 2GiB)" run --limit "12 apples" -- true
expect 2 "leakscope: --events-regex: '(' is not a valid regular expression (missing ): ()" run --events-regex "(" -- true
expect 125 "leakscope: cannot write the recording to missing-dir/x.lks: No such file or directory" run -o missing-dir/x.lks -- true
expect 2 "leakscope: 'abc' is not a process id" attach abc
expect 125 "leakscope: no process with PID 999999999" attach 999999999
expect 2 "leakscope: --events-regex: attach cannot read a running process's output (only \`leakscope run\` relays it); count work units with leakscope_event() in the program, or start it under run" attach 1 --events-regex done
expect 2 "leakscope: -o a.html and --html b.html both name the HTML page; give one of them" report notes.txt -o a.html --html b.html
expect 2 "leakscope: --baseline notes.txt: not a JSON file (give a report written with --json)" analyze notes.txt --baseline notes.txt
expect 2 "leakscope: watch: say what to watch with --pid, --name or --cgroup" watch
expect 2 "leakscope: --name: '(' is not a valid regular expression: Mismatched '(' and ')' in regular expression" watch --name "("
expect 2 "leakscope: --every: '0' is not a duration of at least 100ms (examples: 30s, 1m, 2h)" watch --pid 1 --every 0
expect 2 "leakscope: --metrics: 'nope' is not [HOST:]PORT (example: 127.0.0.1:9464)" watch --pid 1 --metrics nope
expect 125 "leakscope: none of the processes given with --pid exists" watch --pid 999999999 --no-metrics --state-dir "$work/state"
expect 2 "leakscope: analyze: a RECORDING is required (or --prometheus URL --query PROMQL)" analyze
expect 2 "leakscope: analyze: --prometheus URL and --query PROMQL go together" analyze --query up
expect 2 "leakscope: --prometheus: 'ftp://x' is not an http:// or https:// URL (example: http://localhost:9090)" analyze --prometheus ftp://x --query up
expect 2 "leakscope: --range: 'soon' is not a duration (examples: 7d, 12h, 1m)" analyze --prometheus http://127.0.0.1:9 --query up --range soon
expect 125 "leakscope: cannot read notes.txt: it is not a leakscope recording" analyze notes.txt
expect 125 "leakscope: cannot read missing.lks: No such file or directory" analyze missing.lks
expect 2 "leakscope: A subcommand is required (see 'leakscope --help')" 
expect 2 "leakscope: unknown command 'frob' (see 'leakscope --help')" frob

if [ "$failures" -gt 0 ]; then
    echo "$failures CLI error case(s) failed"
    exit 1
fi
echo "all CLI error cases passed"
