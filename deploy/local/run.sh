#!/usr/bin/env bash
# Runs the ledger on one machine with its embedded event log and a demo
# district: builds the binaries, seeds the demo data once, starts a
# project-local ClickHouse and brings the read models up to date, then
# serves the API until interrupted. Data lives in .local/ under the checkout.
# Running it again is safe: the seed, the keys and the secret are made once.
# Ctrl-C stops ledgerd and the ClickHouse this run started (one that was
# already running is left alone).
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

ours() { [ -f "$state/clickhouse/server.pid" ] && kill -0 "$(cat "$state/clickhouse/server.pid")" 2>/dev/null; }
started_clickhouse=0
ours || started_clickhouse=1
bash deploy/clickhouse/start.sh "$state/clickhouse"
ours || started_clickhouse=0 # a server that was already answering, not ours
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

# The checkpoint signing key, made once; its verifier key is public.
if [ ! -f "$state/seal.key" ]; then
  "$state/bin/ledgerctl" keygen --name cxzy-ledger-local --out "$state/seal.key" >"$state/seal.pub"
fi

addr="${LEDGER_ADDR:-127.0.0.1:8080}"
cat <<EOF
development token (office, 12 h): $token
try:
  curl -s http://$addr/readyz
  curl -s -X POST http://$addr/v1/rectifications -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
       -H 'Idempotency-Key: demo-1' \\
       -d '{"source":{"kind":"inspection","ref":"in-demo","item":1},"unit":"u0002","person":"张三","requirement":"完善公开栏","deadline":"$(date -d '+14 days' +%F)"}'
  curl -s "http://$addr/v1/views/rectifications?colour=red&limit=5" -H "Authorization: Bearer $token"
  curl -s "http://$addr/v1/views/rectifications?format=xlsx" -H "Authorization: Bearer $token" -o 整改台账.xlsx
  curl -s "http://$addr/v1/views/trends?grain=quarter&overall=true" -H "Authorization: Bearer $token"
  curl -s -X POST http://$addr/v1/checkpoints -H "Authorization: Bearer $token"
  $state/bin/ledgerctl audit --server http://$addr --key $state/seal.pub --since $state/audit-checkpoint.json
  LEDGER_TOKEN=$token $state/bin/ledgerctl evidence --server http://$addr --stream rectification-<id> --out pack.json
  $state/bin/ledgerctl verify-pack pack.json --key $state/seal.pub
  other tokens: LEDGER_JWT_SECRET=\$(cat $state/jwt-secret) $state/bin/ledgerctl token --subject clerk-u0002 --role clerk --scope u0002
EOF
echo "ledgerd on http://$addr (/readyz, /metrics, /openapi.json, commands and views under /v1); Ctrl-C stops it"
echo "console: open http://$addr/ and sign in (this local run mints development tokens on the login page: --dev-login)"
# --dev-login lets the login page mint a token for any role: for this
# loopback demo only (ledgerd refuses it on any other address).
"$state/bin/ledgerd" --addr "$addr" --data-dir "$data" --seal-key-file "$state/seal.key" --dev-login &
ledgerd=$!
stop() {
  kill "$ledgerd" 2>/dev/null || true
  wait "$ledgerd" 2>/dev/null || true
  if [ "$started_clickhouse" = 1 ]; then
    echo "stopping the ClickHouse this run started"
    bash deploy/clickhouse/stop.sh "$state/clickhouse"
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM
wait "$ledgerd"
