#!/usr/bin/env bash
# The packed package in a fresh drizzle-kit project (called by .ci/run): `npm pack`, then
# `npm i -D ./dbship-x.y.z.tgz` and init / baseline / generate / upgrade / deploy there.
# Offline: it installs from the npm cache that `npm ci` filled.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
npm run test:package
