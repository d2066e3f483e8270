#!/usr/bin/env bash
# Benchmark: `stethoscope load` against wrk (and oha when present) on the same machine, in
# the same run. Targets: nginx on loopback serving a small file, and a 20 ms fixed-delay server.
# Prints the throughput ratio stethoscope/wrk (median of 3 alternating runs), both tools'
# p50/p99 against the 20 ms server, and stethoscope's peak RSS at 100 k and 5 M requests.
#
#   bash bench/load-vs-wrk.sh            # CONNS=64 DURATION=10 RUNS=3 BIG=5000000 by default
#   SKIP_OHA=1 BIG=1000000 bash bench/load-vs-wrk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-64}
DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
BIG=${BIG:-5000000}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo

need() { command -v "$1" >/dev/null 2>&1; }
apt_install() { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null; }
need wrk || apt_install wrk
need nginx || [ -x /usr/sbin/nginx ] || apt_install nginx
[ -x /usr/bin/time ] || apt_install time
if [ -z "${SKIP_OHA:-}" ] && ! need oha; then cargo install --locked oha >/dev/null 2>&1 || echo "bench: oha could not be installed; skipping it"; fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release -q -p stethoscope
cargo build --release -q -p steth-load --example delay_server
STETH=target/release/stethoscope

work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/html" "$work/logs"
head -c 612 /dev/zero | tr '\0' 'x' > "$work/html/index.html"
cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:18980; root $work/html; }
}
CONF
$NGINX -c "$work/nginx.conf" -p "$work" &
target/release/examples/delay_server 18981 20 & echo $! > "$work/delay.pid"
sleep 1
FAST=http://127.0.0.1:18980/index.html
SLOW=http://127.0.0.1:18981/

wrk_rps() { wrk -t2 -c"$CONNS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
steth_rps() { $STETH load "$1" -q -c "$CONNS" -d "${DURATION}s" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["achieved_rate"])'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "bench: $(nproc) cores, $CONNS connections, ${DURATION}s per run, $RUNS runs each, alternating"
: > "$work/wrk"; : > "$work/steth"
for i in $(seq 1 "$RUNS"); do
  w=$(wrk_rps "$FAST"); s=$(steth_rps "$FAST")
  echo "  run $i: wrk $w req/s, stethoscope $s req/s"
  echo "$w" >> "$work/wrk"; echo "$s" >> "$work/steth"
done
W=$(median < "$work/wrk"); S=$(median < "$work/steth")
echo "throughput (nginx, median): wrk $W req/s, stethoscope $S req/s, ratio stethoscope/wrk $(python3 -c "print(f'{$S/$W:.2f}')")"
if need oha && [ -z "${SKIP_OHA:-}" ]; then
  O=$(oha -c "$CONNS" -z "${DURATION}s" --no-tui --output-format json "$FAST" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSec"])')
  echo "throughput (nginx): oha $O req/s, ratio stethoscope/oha $(python3 -c "print(f'{$S/$O:.2f}')")"
fi

echo "latency against the 20 ms server ($CONNS connections, ${DURATION}s):"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$SLOW" | awk '/^ +50%/ {print "  wrk         p50 " $2} /^ +99%/ {print "  wrk         p99 " $2}'
$STETH load "$SLOW" -q -c "$CONNS" -d "${DURATION}s" --format json \
  | python3 -c 'import json,sys; l=json.load(sys.stdin)["latency"]; print("  stethoscope p50 %.2fms" % l["p50_ms"]); print("  stethoscope p99 %.2fms" % l["p99_ms"])'

rss() { /usr/bin/time -v $STETH load "$FAST" -q -c "$CONNS" -n "$1" --format json 2>&1 >/dev/null | awk '/Maximum resident/ {print $6}'; }
R1=$(rss 100000); R2=$(rss "$BIG")
echo "peak RSS: $R1 KiB at 100000 requests, $R2 KiB at $BIG requests, ratio $(python3 -c "print(f'{$R2/$R1:.2f}')")"
