#!/usr/bin/env bash
# Installs PgBouncer (Debian package) for the connection-pooler tests (tests/integration/pooler.test.ts),
# which start their own pgbouncer on free loopback ports. Idempotent: does nothing when installed.
set -euo pipefail
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  echo "pgbouncer: $(/usr/sbin/pgbouncer --version 2>/dev/null | head -n 1 || pgbouncer --version | head -n 1)"
  exit 0
fi
echo "pgbouncer: installing (apt)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
/usr/sbin/pgbouncer --version | head -n 1
