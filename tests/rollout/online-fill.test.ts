import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseFill } from '../../packages/dbship/src/migrator/generate/online-fill.js';
import { makeProject, NOW, usersModel } from '../helpers/generate-fixture.js';
import { runOnlineScenario } from './online-change.js';
import { nextReleaseSource } from './next-release-source.js';

const FILL = '(unknown)';

/**
 * `users.name` becomes NOT NULL, its NULLs filled with '(unknown)'. A quarter of release N's
 * writes are NULL (its model allows it), during the change too; release N+1 always writes a name.
 * Every NULL written by N must be read back, through both releases, as the fill value.
 */
runOnlineScenario({
  title: 'online NOT NULL with a fill value under traffic from release N and release N+1',
  label: 'fill',
  async release() {
    const p = makeProject({ history: true });
    const models = usersModel().replace("name: text('name'),", "name: text('name').notNull(),");
    await generate({ dir: p.dir, name: 'require_user_name', schemaPath: p.models(models), now: NOW, fill: await parseFill(`users.name='${FILL}'`) });
    return { dir: p.dir, contract: '0004_require_user_name_contract' };
  },
  nextSource: () => nextReleaseSource("name: text('name'),", "name: text('name').notNull(),"),
  value: (label, worker, i) => (label === 'N' && i % 4 === 2 ? null : `${label}-w${worker}-${i}`),
  stored: (written) => written ?? FILL,
  finalColumn: 'name',
  // Every seventh seeded row has no name: the backfill fills it.
  seededSql: `CASE WHEN t.id % 7 = 0 THEN '${FILL}' ELSE 'Seed ' || t.id END`,
});
