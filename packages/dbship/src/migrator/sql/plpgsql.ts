import type { Node } from 'libpg-query';
import { parseSql } from './split.js';

interface PlpgsqlParser {
  parsePlPgSQLSync(sql: string): unknown;
}

let plpgsql: Promise<PlpgsqlParser> | undefined;

/**
 * libpg-query's PL/pgSQL parser (the server's own plpgsql grammar), from the package that ships it
 * (`@libpg-query/parser`). Loaded only when a file has a DO block.
 */
export function loadPlpgsql(): Promise<PlpgsqlParser> {
  plpgsql ??= import('@libpg-query/parser').then(async (m) => {
    await m.loadModule();
    return m as PlpgsqlParser;
  });
  return plpgsql;
}

/**
 * The SQL statements a compiled PL/pgSQL tree runs as written (`PLpgSQL_stmt_execsql`), in
 * source order, with the line each is on (counted from the line the body starts on). A string
 * given to EXECUTE is not among them.
 */
export function executedSql(tree: unknown): Array<{ query: string; lineno: number }> {
  const executed: Array<{ query: string; lineno: number }> = [];
  visit(tree, (tag, payload) => {
    if (tag !== 'PLpgSQL_stmt_execsql') return;
    const query = ((payload.sqlstmt as { PLpgSQL_expr?: { query?: string } } | undefined)?.PLpgSQL_expr?.query ?? '').trim();
    if (query !== '') executed.push({ query, lineno: typeof payload.lineno === 'number' ? payload.lineno : 1 });
  });
  return executed;
}

/**
 * The parse trees of the SQL statements a `DO` block (its full statement text) runs as written;
 * empty when the body does not compile or a statement does not parse.
 */
export async function doBlockStatements(doText: string): Promise<Node[]> {
  let tree: unknown;
  try {
    tree = (await loadPlpgsql()).parsePlPgSQLSync(doText);
  } catch {
    return [];
  }
  return executedSql(tree).flatMap((e) => {
    try {
      const stmt = (parseSql(e.query) as { stmts?: { stmt?: Node }[] }).stmts?.[0]?.stmt;
      return stmt ? [stmt] : [];
    } catch {
      return [];
    }
  });
}

function visit(value: unknown, fn: (tag: string, payload: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, fn);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (/^[A-Z]/.test(key) && typeof child === 'object' && child !== null && !Array.isArray(child)) fn(key, child as Record<string, unknown>);
    visit(child, fn);
  }
}
