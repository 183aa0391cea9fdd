import type { IndexColumnModel } from './model.js';

const BARE = /^[a-z_][a-z0-9_$]*$/;

/**
 * An index key the models wrote as an SQL expression that is really a column with options:
 * `sql\`"col" DESC NULLS LAST\`` or `sql\`"col" gin_trgm_ops\`` (drizzle has no other way to give a
 * per-column operator class or order). The snapshot keeps it as an expression; the catalog reads
 * it as the column `col` with those options. Returns the column form, or the key unchanged.
 */
export function columnKey(key: IndexColumnModel): IndexColumnModel {
  if (!key.isExpression) return key;
  const m = /^\s*(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))((?:\s+[A-Za-z_][A-Za-z0-9_$.]*)*)\s*$/.exec(key.expression);
  if (!m) return key;
  const column = m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase();
  const words = (m[3] ?? '').trim().split(/\s+/).filter((w) => w !== '');
  let i = 0;
  const upper = (w: string | undefined): string => (w ?? '').toUpperCase();
  let opclass: string | null = null;
  if (words[i] !== undefined && !['ASC', 'DESC', 'NULLS'].includes(upper(words[i]))) {
    if (!BARE.test(words[i]!.toLowerCase().split('.').at(-1)!)) return key;
    opclass = words[i++]!.toLowerCase().split('.').at(-1)!;
  }
  let desc = false;
  if (upper(words[i]) === 'ASC' || upper(words[i]) === 'DESC') desc = upper(words[i++]) === 'DESC';
  // PostgreSQL's default: NULLS FIRST for DESC, NULLS LAST for ASC.
  let nullsFirst = desc;
  if (upper(words[i]) === 'NULLS' && ['FIRST', 'LAST'].includes(upper(words[i + 1]))) {
    nullsFirst = upper(words[i + 1]) === 'FIRST';
    i += 2;
  }
  if (i !== words.length) return key;
  return { expression: column, isExpression: false, desc, nullsFirst, opclass: opclass ?? key.opclass };
}

/**
 * drizzle has no INCLUDE for an index; models inject it through the last key's SQL:
 * `sql\`"created_at") INCLUDE ("credits"\``, which renders `("a", "created_at") INCLUDE ("credits")`.
 * Splits such a key list into the real keys and the INCLUDE columns; anything else is unchanged.
 */
export function splitInclude(keys: readonly IndexColumnModel[]): { keys: IndexColumnModel[]; include: string[] | undefined } {
  const last = keys.at(-1);
  const m = last?.isExpression ? /^([\s\S]*?)\)\s*INCLUDE\s*\(([\s\S]*)$/i.exec(last.expression) : null;
  if (!last || !m) return { keys: [...keys], include: undefined };
  const include = m[2]!.split(',').map((c) => c.trim()).map((c) => (/^".*"$/.test(c) ? c.slice(1, -1).replace(/""/g, '"') : c.toLowerCase()));
  return { keys: [...keys.slice(0, -1), { ...last, expression: m[1]!.trim() }], include };
}
