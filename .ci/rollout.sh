#!/usr/bin/env bash
# Rollout tests (called by .ci/run): a zero-downtime rolling deploy behind nginx and the
# lock-pressure comparison, on the machine's PostgreSQL. Installs nginx from apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "rollout: installing nginx (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
# The package may start a system nginx on port 80; the tests run their own on free loopback ports.
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
npm run test:rollout
