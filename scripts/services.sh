#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth for loopback) and Redis (127.0.0.1:6379)
# answer, installing them from Debian's packages and starting them when they do not, and that
# the pgbouncer binary (tests start their own) and xmllint are installed.
# Safe to run again: it changes nothing when both already answer.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

apt_updated=""
install() {
  if [ -z "$apt_updated" ]; then
    $SUDO apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "services: installing PostgreSQL from Debian packages"
    install postgresql postgresql-contrib
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Loopback connections trust their user, as on the dev machines; nothing else changes.
  if ! grep -q "stethoscope: loopback trust" "$hba"; then
    $SUDO sed -i '1i # stethoscope: loopback trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
  fi
  echo "services: starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "services: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }
fi

if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis from Debian packages"
    install redis-server
  fi
  echo "services: starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/stethoscope.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "services: Redis did not come up on 127.0.0.1:6379" >&2; exit 1; }
fi

# The 4.10 test puts a PgBouncer of its own in front of PostgreSQL; only the binary is needed.
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "services: installing PgBouncer from Debian packages"
  install pgbouncer
fi

# The JUnit test validates `--format junit` against the Jenkins schema with xmllint.
if ! command -v xmllint >/dev/null 2>&1; then
  echo "services: installing xmllint (libxml2-utils) from Debian packages"
  install libxml2-utils
fi

echo "services: PostgreSQL and Redis answer on 127.0.0.1"
