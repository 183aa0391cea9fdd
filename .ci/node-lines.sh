#!/usr/bin/env bash
# Smoke test on the other supported Node.js LTS lines (called by .ci/run after the suite ran on the
# machine's Node): the built CLI loads the TypeScript models (`check`), then the configuration unit
# tests and the CLI and upgrade integration tests: a few files, not the suite (the whole suite
# passed on Node 22 too, 559 tests, at several times the cost). Node comes from the npm
# registry's `node` package (cached after the first run): the machine needs no other install.
set -euo pipefail
cd "$(dirname "$0")/.."
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
[ -f packages/dbship/dist/cli/main.js ] || npm run build -w dbship
for line in ${DBSHIP_NODE_LINES:-22 24}; do
  echo "== Node $line"
  npx -y -p "node@$line" -c 'node --version && node packages/dbship/dist/cli/main.js check \
    && npm test -- tests/unit/config.test.ts tests/integration/cli.test.ts tests/integration/upgrade.test.ts'
done
