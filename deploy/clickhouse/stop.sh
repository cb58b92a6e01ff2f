#!/usr/bin/env bash
# Stops the project-local ClickHouse and ZooKeeper that start.sh started.
set -euo pipefail
cd "$(dirname "$0")/../.."
state="${1:-.local/clickhouse}"
for pidfile in "$state/server.pid" "$state/zookeeper.pid"; do
  [ -f "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 60); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
  fi
  rm -f "$pidfile"
done
