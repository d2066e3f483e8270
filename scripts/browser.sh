#!/usr/bin/env bash
# Headless Chromium for the HTML report's browser test and for scripts/screenshot.sh:
# installs Debian's `chromium` package when /usr/bin/chromium is missing. Needs root (or sudo).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
command -v apt-get >/dev/null || {
  echo "browser.sh: /usr/bin/chromium is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
}
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "browser.sh: installing chromium needs root or sudo" >&2; exit 1; }
  SUDO="sudo"
fi
echo "browser.sh: installing chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || { echo "browser.sh: chromium did not install to /usr/bin/chromium" >&2; exit 1; }
