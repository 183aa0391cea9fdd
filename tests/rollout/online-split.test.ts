import { splitRelease } from '../helpers/online-split.js';
import { runOnlineScenario } from './online-change.js';
import { nextReleaseSource, type SourceEdit } from './next-release-source.js';

const REPOSITORY = 'src/app/users/repository.ts';

/**
 * Release N+1's change besides the model: the API keeps its `name`, which the repository now
 * writes as first_name / last_name (the first word, and the rest) and reads back joined, as the
 * migration's --split-expr and --join-expr do in SQL.
 */
const MAPPING: SourceEdit[] = [
  { file: 'src/db/schema.ts', from: 'export type User = typeof users.$inferSelect;', to: "export type UserRecord = typeof users.$inferSelect;\n/** A user as the service shows it: one display name, stored as its two parts. */\nexport type User = Omit<UserRecord, 'firstName' | 'lastName'> & { name: string | null };" },
  { file: REPOSITORY, from: "import { users, type User } from '../../db/schema.js';", to: "import { users, type User, type UserRecord } from '../../db/schema.js';" },
  { file: REPOSITORY, from: 'values(fields).returning());\n    return rows[0]!;', to: 'values(columnsOf(fields)).returning());\n    return withName(rows[0]!);' },
  { file: REPOSITORY, from: 'items: rows.slice(0, limit),', to: 'items: rows.slice(0, limit).map(withName),' },
  { file: REPOSITORY, from: 'set({ ...fields,', to: 'set({ ...columnsOf(fields),' },
  { file: REPOSITORY, from: 'return rows[0] ?? null;', to: 'return rows[0] ? withName(rows[0]) : null;' },
  { file: REPOSITORY, from: '  name: users.name.name,', to: '  firstName: users.firstName.name,\n  lastName: users.lastName.name,' },
  { file: REPOSITORY, from: 'satisfies Record<keyof User, string>', to: 'satisfies Record<keyof UserRecord, string>' },
  { file: REPOSITORY, from: '    name: row[COLUMN.name] as string | null,', to: '    name: joinName(row[COLUMN.firstName] as string | null, row[COLUMN.lastName] as string | null),' },
  {
    file: REPOSITORY,
    from: 'async function emailUnique',
    to: `/** "Ada King Lovelace" is stored as first_name "Ada" and last_name "King Lovelace"; one word has no last name. */
function columnsOf<T extends UserFields>(fields: T): Omit<T, 'name'> & { firstName?: string | null; lastName?: string | null } {
  const { name, ...rest } = fields;
  if (name === undefined) return rest;
  if (name === null) return { ...rest, firstName: null, lastName: null };
  const at = name.indexOf(' ');
  return at < 0 ? { ...rest, firstName: name, lastName: null } : { ...rest, firstName: name.slice(0, at), lastName: name.slice(at + 1) || null };
}

function joinName(first: string | null, last: string | null): string | null {
  return [first, last].filter((x) => x !== null).join(' ') || null;
}

function withName({ firstName, lastName, ...rest }: UserRecord): User {
  return { ...rest, name: joinName(firstName, lastName) };
}

async function emailUnique`,
  },
];

/**
 * `users.name` split into `first_name` and `last_name`. Release N writes `name`, release N+1 the two
 * parts (its API still shows `name`, joined); each reads the other's writes back unchanged, and
 * after the contract every row's joined parts hold the last name acknowledged for it.
 */
runOnlineScenario({
  title: 'online split under traffic from release N and release N+1',
  label: 'split',
  async release() {
    return { dir: (await splitRelease({ batch: 500 })).dir, contract: '0004_split_user_name_contract' };
  },
  nextSource: () => nextReleaseSource("name: text('name'),", "firstName: text('first_name'),\n  lastName: text('last_name'),", MAPPING),
  // Names of two and three words, and one word: "N w0 12" is stored as "N" and "w0 12".
  value: (label, worker, i) => (i % 5 === 0 ? `${label}w${worker}i${i}` : `${label} w${worker} ${i}`),
  stored: (written) => written,
  finalColumn: 'first_name',
  goneColumn: 'name',
  finalSql: "nullif(concat_ws(' ', t.first_name, t.last_name), '')",
  // Every seventh seeded row has no name.
  seededSql: "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END",
});
