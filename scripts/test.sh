#!/usr/bin/env bash
# The test suite, as the README gives it: services and the browser up, then every crate's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
# Headless Chromium for the HTML report's browser test (crates/stethoscope/tests/html.rs).
bash scripts/browser.sh
cargo test --workspace --locked "$@"
