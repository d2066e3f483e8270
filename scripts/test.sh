#!/usr/bin/env bash
# The test suite, as the README gives it: services up, then every crate's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh
cargo test --workspace --locked "$@"
