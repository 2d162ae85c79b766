# Shared by the service cases: start a server on a unix socket in a fresh directory, wait until it
# listens, and stop it (SIGTERM, then wait) when the case's shell exits. Sourced, not run.
# Usage: serve SOCKET_NAME COMMAND [ARGS...]  (sets $socket; COMMAND's args may use $dir)
dir=$(mktemp -d)
server=""
stop_server() {
  if [[ -n $server ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap stop_server EXIT
serve() {
  socket="$dir/$1"
  shift
  "$@" &
  server=$!
  for ((tries = 0; tries < 250; tries++)); do
    [[ -S $socket ]] && return 0
    kill -0 "$server" 2>/dev/null || { echo "$1 exited before it listened on $socket" >&2; exit 1; }
    sleep 0.02
  done
  echo "$1 did not listen on $socket within 5 s" >&2
  exit 1
}
