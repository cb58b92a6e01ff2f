#!/usr/bin/env bash
# Stops the project-local ClickHouse and ZooKeeper that start.sh started,
# of either flavour. A modern server (CLICKHOUSE_FLAVOUR=modern) is told to
# stop through its FIFO, so its last query ends and it shuts down as after
# any query; SIGTERM is the fallback, and what stops Debian's server.
#
#   deploy/clickhouse/stop.sh [STATE]   (the STATE given to start.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
default=.local/clickhouse
[ "${CLICKHOUSE_FLAVOUR:-debian}" = modern ] && default=.local/clickhouse-modern
state="${1:-$default}"

# gone PID: polls, with a deadline, until the process has exited.
gone() {
  for _ in $(seq 1 60); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.5
  done
  return 1
}

for pidfile in "$state/server.pid" "$state/zookeeper.pid"; do
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    if [ "$pidfile" = "$state/server.pid" ] && [ -p "$state/stop.fifo" ]; then
      # shellcheck disable=SC2016 # $1 is expanded by the inner sh
      timeout 10 sh -c 'echo stop >"$1"' sh "$state/stop.fifo" || true
    fi
    gone "$pid" || { kill "$pid" 2>/dev/null || true; gone "$pid" || echo "process $pid did not stop within 30 s" >&2; }
  fi
  rm -f "$pidfile"
done
