import { parseFill, type FillRequest } from '../../packages/dbship/src/migrator/generate/online-fill.js';
import type { RenameRequest } from '../../packages/dbship/src/migrator/generate/online-rename.js';
import { parseRetype, type RetypeRequest } from '../../packages/dbship/src/migrator/generate/online-retype.js';
import { parseSplit, type SplitRequest } from '../../packages/dbship/src/migrator/generate/online-split.js';

/**
 * The online changes the online benchmark runs, on one table `items`: release N's model, release
 * N+1's, what `generate` is asked for, the SQL drizzle-kit writes for the same change, and how a
 * client of each release reads and writes the column.
 */

export const FILL = '(unknown)';

/** Release N's models: the table every operation starts from. */
const BIGINT_ID = "bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity()";
const INTEGER_ID = "integer('id').primaryKey().generatedAlwaysAsIdentity()";
const SCORE = "integer('score').notNull().default(0)";

export const RELEASE_N_MODELS = models({ name: "text('name')", score: "integer('score').notNull().default(0)" });

function models(columns: { id?: string; name?: string; names?: string[]; score: string }): string {
  return [
    "import { bigint, integer, pgTable, text } from 'drizzle-orm/pg-core';",
    "export const items = pgTable('items', {",
    `  id: ${columns.id ?? BIGINT_ID},`,
    ...(columns.names ?? [`name: ${columns.name}`]).map((c) => `  ${c},`),
    `  score: ${columns.score},`,
    '});',
  ].join('\n');
}

/** The split of `name` into its first word and the rest, and the join back (the rows both releases write round-trip). */
const FIRST = (v: string) => `split_part(${v}, ' ', 1)`;
const REST = (v: string) => `nullif(substr(${v}, length(split_part(${v}, ' ', 1)) + 2), '')`;
const JOINED = "nullif(concat_ws(' ', first_name, last_name), '')";

/** The seeded rows: every seventh has no name (NULLs to carry over or to fill). */
export const SEED_SQL = (rows: number) =>
  `INSERT INTO items (name, score) SELECT CASE WHEN g % 7 = 0 THEN NULL ELSE 'Seed ' || g END, g % 100000 FROM generate_series(1, ${rows}) AS g`;

/** How a client of one release addresses the changed column. */
export interface ReleaseColumn {
  /** What its reads select: the column, or an expression over the columns it has. */
  readonly column: string;
  /** Its UPDATE's SET clause for the value `$1` (default: the column = $1). */
  readonly set?: string;
  /** Its INSERT's columns and values for `$1` (default: the column, $1). */
  readonly insert?: readonly [string, string];
  /** The value it writes on its i-th write (null: a NULL). */
  value(worker: number, i: number): string | number | null;
}

/** When a read happens, relative to the change: before it, while it is applied, after it. */
export type ChangeState = 'before' | 'applying' | 'applied' | 'failed';

export interface Operation {
  readonly name: string;
  readonly title: string;
  readonly migrationName: string;
  /** Release N+1's models and the online request for generate. */
  readonly nextModels: string;
  /** Release N's models, when the change needs another table than RELEASE_N_MODELS (an integer key). */
  readonly releaseNModels?: string;
  request(): Promise<{ rename?: RenameRequest; fill?: FillRequest; retype?: RetypeRequest; split?: SplitRequest }>;
  /** drizzle-kit's SQL for the same change (run by drizzle-orm's migrator: one transaction). */
  readonly naive: readonly string[];
  /** A short name for it in the table. */
  readonly naiveLabel: string;
  readonly n: ReleaseColumn;
  readonly n1: ReleaseColumn;
  /** What a read may return after `written` was acknowledged, as text (the fill depends on when). */
  reads(written: string | number | null, state: ChangeState): Array<string | null>;
  /** The value at the end, as SQL over the row `t` (the column that holds it, or the split's parts joined), and the seeded rows' value (SQL over t.id). */
  finalValue(applied: boolean): string;
  seededSql(applied: boolean): string;
}

const text = (v: string | number | null): string | null => (v === null ? null : String(v));
const SEEDED_NAME = "CASE WHEN t.id % 7 = 0 THEN NULL ELSE 'Seed ' || t.id END";

export const OPERATIONS: readonly Operation[] = [
  {
    name: 'rename',
    title: 'rename items.name -> full_name',
    migrationName: 'rename_item_name',
    nextModels: models({ name: "text('full_name')", score: "integer('score').notNull().default(0)" }),
    request: async () => ({ rename: { table: 'public.items', from: 'name', to: 'full_name' } }),
    naive: ['ALTER TABLE "items" RENAME COLUMN "name" TO "full_name";'],
    naiveLabel: 'RENAME COLUMN',
    n: { column: 'name', value: (w, i) => `N-w${w}-${i}` },
    n1: { column: 'full_name', value: (w, i) => `N1-w${w}-${i}` },
    reads: (written) => [text(written)],
    finalValue: (applied) => (applied ? 't.full_name' : 't.name'),
    seededSql: () => SEEDED_NAME,
  },
  {
    name: 'retype',
    title: 'retype items.score integer -> bigint',
    migrationName: 'widen_item_score',
    nextModels: models({ name: "text('name')", score: "bigint('score', { mode: 'number' }).notNull().default(0)" }),
    request: async () => ({ retype: parseRetype('items.score') }),
    naive: ['ALTER TABLE "items" ALTER COLUMN "score" SET DATA TYPE bigint;'],
    naiveLabel: 'SET DATA TYPE bigint',
    // Both releases name the column; N+1 reads it as bigint. Values fit both types during the change.
    n: { column: 'score', value: (w, i) => 1_000_000 * (w + 1) + i },
    n1: { column: 'score', value: (w, i) => 500_000_000 + 1_000_000 * (w + 1) + i },
    reads: (written) => [text(written)],
    finalValue: () => 't.score',
    seededSql: () => 't.id % 100000',
  },
  {
    name: 'fill',
    title: `items.name NOT NULL, NULLs filled with '${FILL}'`,
    migrationName: 'require_item_name',
    nextModels: models({ name: "text('name').notNull()", score: "integer('score').notNull().default(0)" }),
    request: async () => ({ fill: await parseFill(`items.name='${FILL}'`) }),
    naive: [`UPDATE "items" SET "name" = '${FILL}' WHERE "name" IS NULL;`, 'ALTER TABLE "items" ALTER COLUMN "name" SET NOT NULL;'],
    naiveLabel: 'UPDATE, then SET NOT NULL',
    // Release N's model allows NULL: a quarter of its writes are NULL, during the change too.
    n: { column: 'name', value: (w, i) => (i % 4 === 2 ? null : `N-w${w}-${i}`) },
    n1: { column: 'name', value: (w, i) => `N1-w${w}-${i}` },
    reads: (written, state) => {
      if (written !== null) return [String(written)];
      return state === 'before' || state === 'failed' ? [null] : state === 'applied' ? [FILL] : [null, FILL];
    },
    finalValue: () => 't.name',
    seededSql: (applied) => (applied ? `CASE WHEN t.id % 7 = 0 THEN '${FILL}' ELSE 'Seed ' || t.id END` : SEEDED_NAME),
  },
  {
    name: 'key',
    title: 'retype the primary key items.id integer -> bigint (identity)',
    migrationName: 'widen_item_id',
    releaseNModels: models({ id: INTEGER_ID, name: "text('name')", score: SCORE }),
    nextModels: models({ name: "text('name')", score: SCORE }),
    request: async () => ({ retype: parseRetype('items.id') }),
    naive: ['ALTER TABLE "items" ALTER COLUMN "id" SET DATA TYPE bigint;'],
    naiveLabel: 'SET DATA TYPE bigint on the key',
    // Both releases insert (the identity gives the id) and update rows by id: every id must stay its row's.
    n: { column: 'name', value: (w, i) => `N-w${w}-${i}` },
    n1: { column: 'name', value: (w, i) => `N1-w${w}-${i}` },
    reads: (written) => [text(written)],
    finalValue: () => 't.name',
    seededSql: () => SEEDED_NAME,
  },
  {
    name: 'split',
    title: 'split items.name into first_name and last_name',
    migrationName: 'split_item_name',
    nextModels: models({ names: ["firstName: text('first_name')", "lastName: text('last_name')"], score: SCORE }),
    request: async () => ({ split: await parseSplit('items.name=first_name,last_name', [`first_name=${FIRST('name')}`, `last_name=${REST('name')}`], JOINED) }),
    // drizzle-kit writes ADD COLUMN x2 and DROP COLUMN (the data would be lost): the UPDATE is what a developer adds by hand.
    naive: [
      'ALTER TABLE "items" ADD COLUMN "first_name" text;',
      'ALTER TABLE "items" ADD COLUMN "last_name" text;',
      `UPDATE "items" SET "first_name" = ${FIRST('"name"')}, "last_name" = ${REST('"name"')};`,
      'ALTER TABLE "items" DROP COLUMN "name";',
    ],
    naiveLabel: 'ADD COLUMN x2, UPDATE, DROP COLUMN',
    // Two-word values: release N writes the name, release N+1 its two parts (as its app splits them).
    n: { column: 'name', value: (w, i) => `N-w${w} ${i}` },
    n1: {
      column: JOINED,
      set: `first_name = ${FIRST('$1::text')}, last_name = ${REST('$1::text')}`,
      insert: ['first_name, last_name', `${FIRST('$1::text')}, ${REST('$1::text')}`],
      value: (w, i) => `N1-w${w} ${i}`,
    },
    reads: (written) => [text(written)],
    finalValue: (applied) => (applied ? `nullif(concat_ws(' ', t.first_name, t.last_name), '')` : 't.name'),
    seededSql: () => SEEDED_NAME,
  },
];
