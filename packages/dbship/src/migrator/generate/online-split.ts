import { randomUUID } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { DbshipError } from '../../errors.js';
import { BACKFILL, CONTRACT, EXPAND, GENERATED_THROTTLE } from '../folder/online.js';
import { migrationTag } from '../folder/layout.js';
import type { Snapshot, SnapshotColumn, SnapshotTable } from '../folder/snapshot.js';
import { primaryKey, refuse, sameSchema } from './online-common.js';
import { parseExpression, plain, qualify, type SqlExpression } from './online-expr.js';
import { syncName } from './online-sql.js';
import type { PlannedMigration } from './plan.js';
import type { RenameAmbiguity } from './renames.js';

/**
 * `generate --split [schema.]table.old=new1,new2,...`, with one `--split-expr new=<SQL over old>`
 * per new column and one `--join-expr <SQL over the new columns>` that gives the old value back.
 */
export interface SplitRequest {
  readonly table: string;
  readonly from: string;
  readonly to: readonly string[];
  /** Per new column, its value computed from the old column. */
  readonly split: Readonly<Record<string, SqlExpression>>;
  /** The old column's value computed from the new ones. */
  readonly join: SqlExpression;
}

const ID = '[A-Za-z_][A-Za-z0-9_$]*';
const PATTERN = new RegExp(`^(?:(${ID})\\.)?(${ID})\\.(${ID})=(${ID}(?:\\s*,\\s*${ID})+)$`);
const EXPR = new RegExp(`^(${ID})\\s*=(.+)$`, 's');
const EXAMPLE = `--split users.name=first_name,last_name --split-expr "first_name=split_part(name, ' ', 1)" --split-expr "last_name=nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')" --join-expr "nullif(concat_ws(' ', first_name, last_name), '')"`;

/** Parses the three options; every expression goes through the PostgreSQL parser. */
export async function parseSplit(spec: string, splitExprs: readonly string[], joinExpr: string | undefined): Promise<SplitRequest> {
  const usage = (option: string, text: string, why: string) => new DbshipError('USAGE', `invalid ${option} "${text}"`, { why, fix: `write the split as, e.g., ${EXAMPLE}.` });
  const m = PATTERN.exec(spec.trim());
  const to = m ? m[4]!.split(',').map((s) => s.trim()) : [];
  if (!m || new Set(to).size !== to.length || to.includes(m[3]!)) throw usage('--split', spec, 'a split names the table, the column as it is now and two or more new columns (none of them the old one), as plain identifiers.');
  const from = m[3]!;
  const split: Record<string, SqlExpression> = {};
  for (const text of splitExprs) {
    const e = EXPR.exec(text.trim());
    if (!e || !to.includes(e[1]!) || split[e[1]!]) throw usage('--split-expr', text, `each --split-expr is <new column>=<SQL expression over "${from}">, once for each of ${to.join(', ')}.`);
    split[e[1]!] = await parseExpression(e[2]!, [from], (why) => usage('--split-expr', text, why));
  }
  const missing = to.filter((c) => !split[c]);
  if (missing.length > 0) throw usage('--split', spec, `there is no --split-expr for ${missing.join(', ')}: each new column needs the expression that computes it from "${from}" (no default: only you know how your values split).`);
  if (joinExpr === undefined) throw usage('--split', spec, `there is no --join-expr: the expression over ${to.join(', ')} that gives "${from}" back, for the rows release N+1 writes.`);
  const join = await parseExpression(joinExpr, to, (why) => usage('--join-expr', joinExpr, why));
  return { table: `${m[1] ?? 'public'}.${m[2]}`, from, to, split, join };
}

/** True when `a` is the removed-and-added ambiguity the declared split resolves. */
export function resolvesSplit(a: RenameAmbiguity, s: SplitRequest): boolean {
  return a.what === `column of table "${s.table}"` && a.removed.length === 1 && a.removed[0] === s.from && a.added.length === s.to.length && s.to.every((c) => a.added.includes(c));
}

/**
 * Plans the split of one column into two or more as three migrations that keep release N (old
 * column) and release N+1 (new columns) working together: `<name>_expand` adds the new columns
 * (nullable) and a trigger that keeps both shapes in step whichever release writes (below),
 * `<name>_backfill` computes the new columns of the existing rows in primary-key batches (only
 * rows not yet in step; the old value is never rewritten), `<name>_contract` drops the trigger and
 * the old column once no release older than the expand is seen. The contract's down file brings
 * the old column back from the join. Refuses an old column with a default, NOT NULL, a key,
 * index or constraint, new columns that are NOT NULL or have a default, and any other model change.
 */
export function planOnlineSplit(name: string, prev: Snapshot, cur: Snapshot, s: SplitRequest, first: number): PlannedMigration[] {
  const before = prev.tables[s.table];
  const after = cur.tables[s.table];
  const column = before?.columns[s.from];
  const targets = s.to.map((c) => after?.columns[c]);
  if (!before || !after || !column || after.columns[s.from] || targets.some((c) => !c) || s.to.some((c) => before.columns[c])) {
    refuse(`--split ${s.table}.${s.from}=${s.to.join(',')} does not match the model change`, `the newest snapshot must have ${s.table}.${s.from} and the models ${s.to.join(', ')} in its place.`, 'replace the column by the new ones in the models, then pass the same names to --split.');
  }
  const added = targets as SnapshotColumn[];
  const both = structuredClone(prev);
  for (const c of added) both.tables[s.table]!.columns[c.name] = structuredClone(c);
  const contracted = structuredClone(both);
  delete contracted.tables[s.table]!.columns[s.from];
  if (!sameSchema(contracted, cur)) {
    refuse(`the models change more than the split of ${s.table}.${s.from}`, 'an online change is generated on its own, so that its three steps are exactly that change and nothing else waits for its contract.', 'make the other model changes in a separate `generate` run, before or after the split.');
  }
  assertSupported(before, column, added, s);
  const o = objects(before, s);
  const expandTag = migrationTag(first, `${name}_expand`);
  const expandSnap = { ...both, id: randomUUID(), prevId: prev.id };
  const backfillSnap = { ...structuredClone(both), id: randomUUID(), prevId: expandSnap.id };
  const what = `split ${s.table}.${s.from} -> ${s.to.join(', ')}`;
  const news = s.to.map(q);
  const splits = s.to.map((c) => plain(s.split[c]!));
  return [
    {
      name: `${name}_expand`,
      header: [`-- ${EXPAND} ${what}`, `-- Online split, step 1 of 3 (expand): adds ${s.to.map((c) => `"${c}"`).join(', ')} next to "${s.from}" and a trigger that keeps both`, '-- shapes in step, so that the running release (old column) and the new one (new columns) see each other\'s writes.'],
      up: [...added.map((c) => `ALTER TABLE ${o.rel} ADD COLUMN ${q(c.name)} ${sqlType(c)};`), syncFunction(o), o.trigger],
      downHeader: ['-- Instant rollback before the contract: the old column holds every write of both releases.'],
      down: [...o.drop, ...s.to.map((c) => `ALTER TABLE ${o.rel} DROP COLUMN IF EXISTS ${q(c)};`)],
      transactional: true,
      snapshot: expandSnap,
    },
    {
      name: `${name}_backfill`,
      header: [`-- ${BACKFILL} table=${o.schema}.${before.name} key=${o.key} ${GENERATED_THROTTLE}`, `-- Online split, step 2 of 3 (backfill): computes the new columns of the existing rows from "${s.from}" (never rewriting it), in`, '-- batches of primary keys ($1 exclusive, NULL at first; $2 inclusive), one short transaction each; resumable.'],
      up: [`UPDATE ${o.rel} SET ${s.to.map((c, i) => `${news[i]} = ${splits[i]}`).join(', ')}
 WHERE (${q(o.key)} > $1 OR $1 IS NULL) AND ${q(o.key)} <= $2 AND ${q(s.from)} IS NOT NULL AND ${news.map((c) => `${c} IS NULL`).join(' AND ')}
   AND ROW(${news.join(', ')}) IS DISTINCT FROM ROW(${splits.join(', ')});`],
      downHeader: [`-- Nothing to undo: the down file of ${expandTag} drops the columns this backfill filled.`, '-- (One statement that changes nothing: dbship refuses a down file without any.)'],
      down: ["SELECT 'nothing to undo' AS backfill;"],
      transactional: true,
      snapshot: backfillSnap,
    },
    {
      name: `${name}_contract`,
      header: [`-- ${CONTRACT} expand=${expandTag}`, `-- Online split, step 3 of 3 (contract): drops the trigger and "${s.from}". deploy runs it only when no release`, `-- older than ${expandTag} has been seen within MIGRATE_RELEASE_WINDOW; until then it waits (exit 0).`],
      up: [...o.drop, `-- dbship:allow drop-column contract of ${what}: runs only when no release older than ${expandTag} is seen\nALTER TABLE ${o.rel} DROP COLUMN IF EXISTS ${q(s.from)};`],
      downHeader: [`-- Brings "${s.from}" back from the join of the new columns and keeps both shapes in step again. The UPDATE rewrites`, '-- the whole table while holding the lock of ADD COLUMN: a rollback after the contract is not online (one before it is instant).'],
      down: [
        `ALTER TABLE ${o.rel} ADD COLUMN ${q(s.from)} ${sqlType(column)};`,
        `-- dbship:allow mixed-ddl-and-data undoing the contract of ${what}: one UPDATE under the ADD COLUMN's lock (docs/online-changes.md)\nUPDATE ${o.rel} SET ${q(s.from)} = ${plain(s.join)};`,
        syncFunction(o),
        o.trigger,
      ],
      transactional: true,
      snapshot: { ...cur, prevId: backfillSnap.id },
    },
  ];
}

interface SplitObjects {
  readonly schema: string;
  readonly rel: string;
  readonly key: string;
  readonly fn: string;
  readonly trigger: string;
  readonly drop: string[];
  readonly s: SplitRequest;
}

function objects(table: SnapshotTable, s: SplitRequest): SplitObjects {
  const schema = table.schema || 'public';
  const rel = `${q(schema)}.${q(table.name)}`;
  const sync = syncName(table.name, s.from, `split:${s.to.join(',')}`);
  const fn = `${q(schema)}.${q(sync)}`;
  const trigger = `CREATE TRIGGER ${q(sync)} BEFORE INSERT OR UPDATE ON ${rel} FOR EACH ROW EXECUTE FUNCTION ${fn}();`;
  return { schema, rel, key: primaryKey(table, s.table), fn, trigger, drop: [`DROP TRIGGER IF EXISTS ${q(sync)} ON ${rel};`, `DROP FUNCTION IF EXISTS ${fn}();`], s };
}

/**
 * The trigger function. Release N writes only the old column, release N+1 only the new ones, the
 * backfill the new ones from the old. Because split(join(x)) need not be x (nor join(split(x))),
 * a value is computed from the other side only when that side was written, never back and forth:
 * - INSERT: new columns all NULL -> computed from the old one; otherwise, unless they are exactly
 *   the split of the old one, the old one := join (the new side wins when both are set).
 * - UPDATE, a new column changed: the old one := join, unless the new values are exactly the split
 *   of the old one (the backfill's catch-up, or a writer that wrote both consistently): then the
 *   old value stays as release N wrote it.
 * - UPDATE, only the old column changed: the new ones := split.
 * - UPDATE of neither (another column) on a row whose new columns are all NULL: the new ones :=
 *   split, which brings a row the backfill has not reached yet into step.
 */
function syncFunction(o: SplitObjects): string {
  const { s } = o;
  const old = q(s.from);
  const row = (r: string) => `ROW(${s.to.map((c) => `${r}.${q(c)}`).join(', ')})`;
  const split = `ROW(${s.to.map((c) => qualify(s.split[c]!, 'NEW')).join(', ')})`;
  const allNull = (r: string) => s.to.map((c) => `${r}.${q(c)} IS NULL`).join(' AND ');
  const assignNew = (indent: string) => s.to.map((c) => `${indent}NEW.${q(c)} := ${qualify(s.split[c]!, 'NEW')};`).join('\n');
  const join = `NEW.${old} := ${qualify(s.join, 'NEW')};`;
  return `CREATE FUNCTION ${o.fn}() RETURNS trigger LANGUAGE plpgsql AS $dbship$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF ${allNull('NEW')} THEN
${assignNew('      ')}
    ELSIF ${row('NEW')} IS DISTINCT FROM ${split} THEN
      ${join}
    END IF;
  ELSIF ${row('NEW')} IS DISTINCT FROM ${row('OLD')} THEN
    IF ${row('NEW')} IS DISTINCT FROM ${split} THEN
      ${join}
    END IF;
  ELSIF NEW.${old} IS DISTINCT FROM OLD.${old} OR (${allNull('OLD')}) THEN
${assignNew('    ')}
  END IF;
  RETURN NEW;
END
$dbship$;`;
}

function assertSupported(table: SnapshotTable, c: SnapshotColumn, added: SnapshotColumn[], s: SplitRequest): void {
  const why: string[] = [];
  if (c.primaryKey || c.identity || c.generated) why.push(`"${s.from}" is a primary key, identity or generated column`);
  if (c.default !== undefined) why.push(`"${s.from}" has a default (which release's insert left it unset cannot be told apart)`);
  if (c.notNull) why.push(`"${s.from}" is NOT NULL (an insert of release N+1 without a name would fail)`);
  if (c.isUnique) why.push(`"${s.from}" is unique`);
  const used = (cols: readonly string[] | undefined) => cols?.includes(s.from) ?? false;
  if (Object.values(table.indexes).some((i) => i.columns.some((x) => (x.isExpression ? x.expression.includes(s.from) : x.expression === s.from)))) why.push('an index uses it');
  if (Object.values(table.foreignKeys).some((f) => used(f.columnsFrom))) why.push('a foreign key uses it');
  if (Object.values(table.compositePrimaryKeys ?? {}).some((k) => used(k.columns)) || Object.values(table.uniqueConstraints ?? {}).some((u) => used(u.columns))) why.push('a key or unique constraint uses it');
  if (Object.values(table.checkConstraints ?? {}).some((k) => k.value.includes(s.from))) why.push('a check constraint may use it');
  for (const n of added) {
    if (n.notNull || n.default !== undefined || n.primaryKey || n.identity || n.generated || n.isUnique) why.push(`the new column "${n.name}" is NOT NULL, unique, a key or has a default (the trigger tells the releases apart by the new columns being NULL)`);
  }
  if (why.length === 0) return;
  refuse(`the online split of ${s.table}.${s.from} is not supported yet: ${why.join('; ')}`, 'this version splits a plain nullable column into plain nullable columns; carrying defaults, NOT NULL, constraints and indexes over is not built yet (docs/online-changes.md).', 'split it by hand with expand/contract (docs/workflow.md), or drop the constraint first in its own migration and add what the new columns need after the contract.');
}

function sqlType(c: SnapshotColumn): string {
  return c.typeSchema ? `${q(c.typeSchema)}.${q(c.type)}` : c.type;
}
