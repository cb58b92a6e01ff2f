#!/usr/bin/env bash
# Runs the append benchmark: the embedded event log against a throwaway
# PostgreSQL started from Debian's binaries (installed with apt-get if
# missing), both with fsync on. The server listens on a unix socket only,
# lives in a temp dir and is stopped and removed on exit, whatever happens.
# Arguments are passed on to 'ledgerbench append', e.g.
#   bash deploy/bench/append.sh --writers 1,32 --json bench.json
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"

pgversion="${PG_VERSION:-15}"
pgbin="/usr/lib/postgresql/$pgversion/bin"
if [ ! -x "$pgbin/postgres" ]; then
  echo "PostgreSQL $pgversion not found in $pgbin: installing Debian's postgresql package" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$pgversion" >/dev/null
fi

# as_postgres runs a command as the postgres user: PostgreSQL refuses to
# run as root.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

tmp="$(mktemp -d /tmp/ledgerbench-pg.XXXXXX)"
data="$tmp/data"
sock="$tmp/sock"
cleanup() {
  if [ -f "$data/postmaster.pid" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$sock"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$tmp"
fi

echo "initialising a throwaway PostgreSQL $pgversion in $data" >&2
as_postgres "$pgbin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability stays at PostgreSQL's defaults (fsync and synchronous_commit
# on), said explicitly so the run states what it measured. No TCP: the
# socket in the temp dir is the only way in.
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$sock'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 100
EOF
as_postgres "$pgbin/pg_ctl" -D "$data" -l "$tmp/postgres.log" -w -t 60 start >/dev/null
as_postgres "$pgbin/createdb" -h "$sock" -U postgres ledgerbench

dsn="host=$sock user=postgres dbname=ledgerbench sslmode=disable"
go run ./cmd/ledgerbench append --postgres "$dsn" "$@"
