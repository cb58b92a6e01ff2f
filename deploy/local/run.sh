#!/usr/bin/env bash
# Runs the ledger on one machine with its embedded event log and a demo
# district: builds the binaries, seeds the demo data once, starts a
# project-local ClickHouse and brings the read models up to date, then
# serves the API until interrupted. Data lives in .local/ under the checkout.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/go/bin"

state=.local
data="$state/data"
mkdir -p "$state/bin"
echo "building ledgerd and ledgerctl"
go build -o "$state/bin/" ./cmd/ledgerd ./cmd/ledgerctl

if [ ! -f "$state/seeded" ]; then
  echo "seeding the demo district into $data (once)"
  "$state/bin/ledgerctl" seed --data-dir "$data" --seed 1
  touch "$state/seeded"
fi

bash deploy/clickhouse/start.sh "$state/clickhouse"
echo "projecting the log into ClickHouse (database ledger)"
"$state/bin/ledgerctl" project --data-dir "$data" --clickhouse "clickhouse://127.0.0.1:9000/ledger"
echo "analysts: clickhouse-client --database ledger (see projections/README.md)"

# A development signing key, made once and kept with the local data; a
# real deployment sets LEDGER_JWT_SECRET from its secret store.
if [ -z "${LEDGER_JWT_SECRET:-}" ]; then
  [ -f "$state/jwt-secret" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/jwt-secret"
  LEDGER_JWT_SECRET="$(cat "$state/jwt-secret")"
fi
export LEDGER_JWT_SECRET
token="$("$state/bin/ledgerctl" token --subject office-1 --role office)"

addr="${LEDGER_ADDR:-127.0.0.1:8080}"
cat <<EOF
development token (office, 12 h): $token
try:
  curl -s http://$addr/readyz
  curl -s -X POST http://$addr/v1/rectifications -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
       -H 'Idempotency-Key: demo-1' \\
       -d '{"source":{"kind":"inspection","ref":"in-demo","item":1},"unit":"u0002","person":"张三","requirement":"完善公开栏","deadline":"$(date -d '+14 days' +%F)"}'
  other tokens: LEDGER_JWT_SECRET=\$(cat $state/jwt-secret) $state/bin/ledgerctl token --subject clerk-u0002 --role clerk --scope u0002
EOF
echo "ledgerd on http://$addr (/readyz, /metrics, commands under /v1); Ctrl-C stops it"
exec "$state/bin/ledgerd" --addr "$addr" --data-dir "$data"
