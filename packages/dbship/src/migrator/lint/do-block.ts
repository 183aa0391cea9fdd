import type { Node } from 'libpg-query';
import { as, tagOf } from './ast.js';
import { shiftLocations, parseSql } from '../sql/split.js';
import { executedSql, loadPlpgsql } from '../sql/plpgsql.js';
import type { SourceText } from '../sql/source.js';
import type { LintStatement } from './types.js';

/** A DO block whose body PL/pgSQL could not compile: PostgreSQL will refuse it when the migration runs. */
export interface DoBlockProblem {
  /** String offset of the DO statement. */
  readonly offset: number;
  readonly message: string;
}

/**
 * The statements of a file with the SQL statements inside each `DO` block added after the block,
 * each marked with the index of its block (`enclosing`) and placed at its own line and column in
 * the file. Older drizzle-kit versions wrap every foreign key in
 * `DO $$ BEGIN ALTER TABLE ... ADD CONSTRAINT ...; EXCEPTION WHEN duplicate_object THEN null; END $$;`,
 * and the lock that ALTER takes is the same inside the block. Only statements PL/pgSQL runs as
 * written are seen; a string given to EXECUTE is not.
 */
export async function withDoBlocks(source: SourceText, statements: readonly LintStatement[]): Promise<{ statements: LintStatement[]; problems: DoBlockProblem[] }> {
  if (!statements.some((s) => isPlpgsqlDo(s.node))) return { statements: [...statements], problems: [] };
  const parser = await loadPlpgsql();
  const out: LintStatement[] = [];
  const problems: DoBlockProblem[] = [];
  for (const stmt of statements) {
    const index = out.length;
    out.push({ ...stmt, index });
    if (!isPlpgsqlDo(stmt.node)) continue;
    let tree: unknown;
    try {
      tree = parser.parsePlPgSQLSync(stmt.text);
    } catch (err) {
      problems.push({ offset: stmt.start, message: `the DO block does not compile as PL/pgSQL: ${(err as Error).message}` });
      continue;
    }
    for (const inner of innerStatements(source, stmt, tree)) out.push({ ...inner, index: out.length, enclosing: index });
  }
  return { statements: out, problems };
}

/** A `DO` statement in PL/pgSQL (the default language). */
function isPlpgsqlDo(node: Node): boolean {
  const args = as(node, 'DoStmt')?.args;
  if (!args) return false;
  const language = args.map((a) => as(a, 'DefElem')).find((d) => d?.defname === 'language');
  const name = as(language?.arg, 'String')?.sval;
  return name === undefined || name.toLowerCase() === 'plpgsql';
}

interface Executed {
  readonly query: string;
  readonly lineno: number;
}

/** The SQL statements of a compiled PL/pgSQL body, in source order, each parsed and placed. */
function innerStatements(source: SourceText, stmt: LintStatement, tree: unknown): Omit<LintStatement, 'index'>[] {
  const executed: Executed[] = executedSql(tree);
  const body = bodyOf(stmt);
  const found: Omit<LintStatement, 'index'>[] = [];
  let cursor = body.start;
  for (const e of executed) {
    const start = locate(source, e, body, cursor);
    cursor = start + e.query.length;
    const node = parseOne(e.query, Buffer.byteLength(source.text.slice(0, start), 'utf8'));
    if (!node) continue;
    const end = start + e.query.length;
    found.push({ node, tag: tagOf(node), start, end, text: source.text.slice(start, end), line: source.lineOf(start), endLine: source.lineOf(end - 1) });
  }
  return found;
}

/** Where the block's body starts in the file (string offset): after its `$tag$` or quote. */
function bodyOf(stmt: LintStatement): { start: number } {
  const dollar = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(stmt.text);
  const quote = stmt.text.indexOf("'");
  const open = dollar && (quote < 0 || dollar.index < quote) ? dollar.index + dollar[0].length : quote >= 0 ? quote + 1 : 0;
  return { start: stmt.start + open };
}

/**
 * The string offset of an executed statement: PL/pgSQL keeps its text as written, with an
 * `INTO target` blanked out, so its words up to the first gap are searched from the statement's
 * line (`lineno` counts from the line the body starts on), after the previous statement.
 */
function locate(source: SourceText, e: Executed, body: { start: number }, cursor: number): number {
  const head = e.query.split(/\s{2,}/)[0]!;
  const lineStart = source.lineStart(source.lineOf(body.start) + e.lineno - 1);
  const from = Math.max(cursor, Math.min(lineStart, source.text.length));
  const at = source.text.indexOf(head, from);
  if (at >= 0) return at;
  const anywhere = source.text.indexOf(head, cursor);
  return anywhere >= 0 ? anywhere : from;
}

/** The parse tree of one statement, its `location`s moved by `byteBase` to count from the file start. */
function parseOne(query: string, byteBase: number): Node | undefined {
  let node: Node | undefined;
  try {
    node = (parseSql(query) as { stmts?: { stmt?: Node }[] }).stmts?.[0]?.stmt;
  } catch {
    return undefined;
  }
  if (!node) return undefined;
  shiftLocations(node, byteBase);
  return node;
}
