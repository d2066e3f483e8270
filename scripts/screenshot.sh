#!/usr/bin/env bash
# Regenerates docs/report.png, the README's screenshot of the HTML report: runs the demo audit
# with --format html and photographs the page in headless Chromium (scripts/browser.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/browser.sh
bash scripts/services.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo run --quiet --locked --bin stethoscope -- demo --quiet --format html --out "$work/report.html" || [ -s "$work/report.html" ]
timeout 120 /usr/bin/chromium --headless=new --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size="${WIDTH:-1280},${HEIGHT:-2000}" --force-device-scale-factor=1 \
  --screenshot="$work/report.png" "file://$work/report.html" 2>/dev/null
mkdir -p docs
cp "$work/report.png" docs/report.png
echo "docs/report.png: $(wc -c <"$work/report.html") bytes of HTML, $(wc -c <docs/report.png) bytes of PNG"
