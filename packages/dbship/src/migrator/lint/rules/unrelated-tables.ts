import type { TableRef } from '../ast.js';
import { touchedTables } from '../classify.js';
import { perFile } from '../per-file.js';
import type { LintContext, LintRule, LintStatement } from '../types.js';

/** Per file: the first statement of each concern after the first, with the tables of both. */
interface Concerns {
  readonly firstLine: number;
  readonly firstTables: string[];
  readonly extra: Map<LintStatement, string[]>;
}

/**
 * Groups the file's existing tables into concerns: tables touched by one statement (a table and
 * the tables its new FOREIGN KEYs reference) are related, and relations chain. Tables created or
 * reverted in the file join a concern but never start one: creating new tables carries no risk.
 */
function concerns(ctx: LintContext): Concerns {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    if (!parent.has(key)) parent.set(key, key);
    let root = key;
    while (parent.get(root) !== root) root = parent.get(root)!;
    return root;
  };
  const display = new Map<string, string>();
  const starts: { stmt: LintStatement; key: string }[] = [];
  for (const stmt of ctx.statements) {
    const here = ctx.contextAt(stmt.index);
    const { targets, references } = touchedTables(stmt, here);
    const all: TableRef[] = [...targets, ...references];
    for (const t of all) display.set(t.key, t.display);
    for (const t of all.slice(1)) parent.set(find(t.key), find(all[0]!.key));
    // Judged after the statement, so that the table a CREATE TABLE makes counts as new.
    const after = ctx.contextAt(stmt.index + 1);
    const existing = targets.find((t) => !after.isNewTable(t) && !after.isRevertedTable(t));
    if (existing) starts.push({ stmt, key: existing.key });
  }
  const byRoot = new Map<string, { stmt: LintStatement; keys: Set<string> }>();
  for (const { stmt, key } of starts) {
    const root = find(key);
    const entry = byRoot.get(root) ?? { stmt, keys: new Set<string>() };
    entry.keys.add(display.get(key) ?? key);
    byRoot.set(root, entry);
  }
  const groups = [...byRoot.values()];
  const extra = new Map<LintStatement, string[]>(groups.slice(1).map((g) => [g.stmt, [...g.keys]]));
  return { firstLine: groups[0]?.stmt.line ?? 0, firstTables: groups[0] ? [...groups[0].keys] : [], extra };
}

/** Statements on unrelated existing tables in one migration ("one concern per migration"). */
export const rule: LintRule = {
  id: 'unrelated-tables',
  severity: 'warning',
  summary: 'one migration changes unrelated existing tables',
  why:
    'One concern per migration: a migration is one transaction that holds the locks of every table it touches ' +
    'until it commits, so changes to unrelated tables lengthen each other\'s lock time, fail and roll back ' +
    'together, and cannot be reverted or reviewed on their own.',
  fix:
    'Split the migration by concern. Related (and fine together): a table, its indexes, and the tables its new ' +
    'foreign keys reference; new tables never count.',
  check(stmt, ctx) {
    const found = perFile(ctx.statements, 'concerns', () => concerns(ctx));
    const tables = found.extra.get(stmt);
    if (!tables) return [];
    return [{ message: `changes ${tables.join(', ')}, unrelated to ${found.firstTables.join(', ')} changed at line ${found.firstLine}; one concern per migration` }];
  },
};
