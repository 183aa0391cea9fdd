import { renameRelease } from '../helpers/online-rename.js';
import { runOnlineScenario } from './online-change.js';
import { nextReleaseSource } from './next-release-source.js';

/** The column `users.name` renamed to `full_name` (the model's property keeps its name). */
runOnlineScenario({
  title: 'online rename under traffic from release N and release N+1',
  label: 'rename',
  async release() {
    return { dir: (await renameRelease({ batch: 500 })).dir, contract: '0004_rename_user_name_contract' };
  },
  nextSource: () => nextReleaseSource("name: text('name'),", "name: text('full_name'),"),
  value: (label, worker, i) => `${label}-w${worker}-${i}`,
  stored: (written) => written,
  finalColumn: 'full_name',
  goneColumn: 'name',
  // Every seventh seeded row has no name.
  seededSql: "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END",
});
