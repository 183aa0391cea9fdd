import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { parseSplit, type SplitRequest } from '../../packages/dbship/src/migrator/generate/online-split.js';
import { makeProject, NOW, usersModel } from './generate-fixture.js';
import { setBackfillThrottle } from './migrations.js';

/** The users model of release N+1: the column `name` replaced by `first_name` and `last_name`. */
export const SPLIT_MODELS = usersModel().replace("name: text('name'),", "firstName: text('first_name'),\n  lastName: text('last_name'),");

/**
 * The split a developer writes for a display name: the first word, and the rest after the first
 * space. The join puts them back with one space; a name of one word has no last name. These round
 * trip any name whose first space is not at its end (`'Ann '` becomes `'Ann'` when joined back).
 */
export const SPLIT_EXPRS = [
  "first_name=split_part(name, ' ', 1)",
  "last_name=nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')",
];
export const JOIN_EXPR = "nullif(concat_ws(' ', first_name, last_name), '')";

export function splitRequest(): Promise<SplitRequest> {
  return parseSplit('users.name=first_name,last_name', SPLIT_EXPRS, JOIN_EXPR);
}

/**
 * Release N+1's migrations folder: the committed history plus the online split of users.name into
 * first_name and last_name (expand, backfill, contract). `batch` and `pause` rewrite the backfill's throttle.
 */
export async function splitRelease(options: { batch?: number; pause?: number | 'auto' } = {}): Promise<{ dir: string; tags: string[] }> {
  const p = makeProject({ history: true });
  const result = await generate({ dir: p.dir, name: 'split_user_name', schemaPath: p.models(SPLIT_MODELS), now: NOW, split: await splitRequest() });
  if (options.batch !== undefined || options.pause !== undefined) setBackfillThrottle(result.migrations[1]!.upPath, options);
  return { dir: p.dir, tags: result.migrations.map((m) => m.tag) };
}
