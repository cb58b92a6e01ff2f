#!/usr/bin/env bash
# Starts a modern ClickHouse (26.7) for tests and benchmarks, beside or
# instead of Debian's 18.16: start.sh runs this with CLICKHOUSE_FLAVOUR=modern.
#
# The server is ClickHouse built as a library (libchdb.so from the npm
# package @chdb/lib-linux-x64-gnu, pinned and checked against its npm
# integrity), run by the project's launcher (chdb-server.c, built here with
# gcc) as `clickhouse local` with the native and HTTP listeners started and
# a last query that blocks reading a FIFO: the process serves until stop.sh
# writes to the FIFO. Data under STATE/data, loopback only, time zone UTC.
# The launcher starts the server again if it dies of a signal: libchdb 26.7
# aborts, now and then, when a client resets its connection (a test's
# process killed or its query cancelled), which a real server only logs.
# The library (566 MB) is fetched once into .local/chdb/ and never committed.
#
# Its limits, measured: only the user "default" with an empty password (a
# login with another password aborts the process), no users.xml or
# profiles, no clusters or replication.
#
#   deploy/clickhouse/modern.sh [STATE]     env: CLICKHOUSE_TCP_PORT (9000), CLICKHOUSE_HTTP_PORT (8123)
set -euo pipefail
cd "$(dirname "$0")/../.."
state="${1:-.local/clickhouse-modern}"
tcp="${CLICKHOUSE_TCP_PORT:-9000}"
http="${CLICKHOUSE_HTTP_PORT:-8123}"

version=26.7.3-stable.1
integrity=sha512-XP97mMqnc5tZpKQywR8N7cLTsHNiTmHr30pC5mzo3jWmukjKn2IBa60c2B/gWUNcuFjOMjWoorQICCqBVj5wpw==
cache="$PWD/.local/chdb/$version"
lib="$cache/libchdb.so"
launcher="$cache/chdb-server"

# /ping on the HTTP port answers "Ok." once the server takes queries; bash's
# /dev/tcp needs no client installed.
ready() {
  { exec 3<>"/dev/tcp/127.0.0.1/$http" &&
    printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 &&
    grep -q '^Ok\.' <&3; } 2>/dev/null
}
if ready; then
  echo "ClickHouse already answers on 127.0.0.1:$http" >&2
  exit 0
fi

# The library: npm pack (a tarball, no node_modules), its SHA-512 compared
# with the pinned integrity before anything is unpacked, then moved into
# place whole, so an interrupted fetch never leaves a library to load.
if [ ! -f "$lib" ]; then
  command -v npm >/dev/null || { echo "modern ClickHouse needs npm to fetch @chdb/lib-linux-x64-gnu (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "fetching @chdb/lib-linux-x64-gnu@$version (178 MB, once)" >&2
  (cd "$tmp" && npm pack --silent "@chdb/lib-linux-x64-gnu@$version" >/dev/null)
  tarball="$(ls "$tmp"/*.tgz)"
  want="$(printf '%s' "${integrity#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')"
  got="$(sha512sum "$tarball" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    echo "the npm tarball's SHA-512 is $got, not the pinned $want: refusing to use it" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$tmp" package/libchdb.so
  mv "$tmp/package/libchdb.so" "$lib"
  rm -rf "$tmp"
  trap - EXIT
fi
if [ ! -x "$launcher" ] || [ deploy/clickhouse/chdb-server.c -nt "$launcher" ]; then
  command -v gcc >/dev/null || { echo "the launcher needs gcc (apt-get install gcc)" >&2; exit 1; }
  gcc -O2 -Wall -o "$launcher.tmp" deploy/clickhouse/chdb-server.c -ldl
  mv "$launcher.tmp" "$launcher"
fi

mkdir -p "$state"/{data,log}
state="$(cd "$state" && pwd)"
fifo="$state/stop.fifo"
[ -p "$fifo" ] || { rm -f "$fifo"; mkfifo -m 600 "$fifo"; }

echo "starting ClickHouse (libchdb $version) on 127.0.0.1:$tcp (data in $state)" >&2
TZ=UTC nohup "$launcher" --restart "$lib" \
  --path "$state/data" --listen_host 127.0.0.1 --tcp_port "$tcp" --http_port "$http" \
  --logger.log "$state/log/server.log" --logger.level warning \
  --query "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; SELECT * FROM file('$fifo', 'LineAsString') FORMAT Null" \
  >"$state/log/stdout.log" 2>&1 &
echo $! >"$state/server.pid"
for _ in $(seq 1 120); do
  if ready; then
    echo "ClickHouse is ready" >&2
    exit 0
  fi
  if ! kill -0 "$(cat "$state/server.pid")" 2>/dev/null; then
    echo "ClickHouse exited; its log:" >&2
    tail -n 30 "$state/log/stdout.log" >&2 || true
    exit 1
  fi
  sleep 0.5
done
echo "ClickHouse did not answer within 60 s" >&2
exit 1
