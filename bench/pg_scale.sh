#!/usr/bin/env bash
# Scale of the PostgreSQL collector: catalog reads on 5 000 tables / 10 000 foreign keys
# (target ≤ 5 s) and a pg_stat_statements snapshot pair over 5 000 statements (target ≤ 2 s).
# Starts a throwaway cluster with pg_stat_statements preloaded (as the postgres user when run
# as root), runs the ignored test crates/steth-collect/tests/pg_scale.rs against it, stops it.
# Usage: bench/pg_scale.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg_scale: no PostgreSQL server binaries under /usr/lib/postgresql" >&2; exit 2; }
dir=$(mktemp -d /tmp/steth-pg-scale.XXXX)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { run "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
run "$bin/initdb" -A trust -U postgres --no-sync -E UTF8 -D "$dir/data" >/dev/null
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
  "-p $port -k $dir -c listen_addresses=127.0.0.1 -c shared_preload_libraries=pg_stat_statements \
   -c pg_stat_statements.max=10000 -c fsync=off -c max_locks_per_transaction=1024" start >/dev/null
echo "pg_scale: cluster on 127.0.0.1:$port ($("$bin/postgres" --version))"
STETH_SCALE_PG="postgresql://postgres@127.0.0.1:$port/postgres" \
  cargo test ${1:-} -p steth-collect --test pg_scale -- --ignored --nocapture 2>&1 | grep -E "pg_scale|schema of|catalog reads|snapshot|test result|panicked"
