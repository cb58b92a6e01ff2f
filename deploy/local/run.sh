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

addr="${LEDGER_ADDR:-127.0.0.1:8080}"
echo "ledgerd on http://$addr (try: curl http://$addr/readyz, or /metrics); Ctrl-C stops it"
exec "$state/bin/ledgerd" --addr "$addr" --data-dir "$data"
