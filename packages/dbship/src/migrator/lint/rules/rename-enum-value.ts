import { as, qualifiedName } from '../ast.js';
import { perFile } from '../per-file.js';
import type { LintContext, LintRule } from '../types.js';
import { EXPAND_CONTRACT, ROLLING_UPDATE } from './expand-contract.js';

/** `schema.name` of the enum types created (CREATE TYPE ... AS ENUM) in the file, with their statement index. */
function createdEnums(ctx: LintContext): Map<string, number> {
  return perFile(ctx.statements, 'created-enums', () => {
    const found = new Map<string, number>();
    for (const s of ctx.statements) {
      const name = qualifiedName(as(s.node, 'CreateEnumStmt')?.typeName);
      if (name && !found.has(`${name.schema}.${name.name}`)) found.set(`${name.schema}.${name.name}`, s.index);
    }
    return found;
  });
}

/** ALTER TYPE ... RENAME VALUE on an enum that already exists. */
export const rule: LintRule = {
  id: 'rename-enum-value',
  severity: 'error',
  summary: 'ALTER TYPE ... RENAME VALUE on an existing enum',
  why: `${ROLLING_UPDATE} They still read and write the old label: once the rename commits, every INSERT or comparison with it fails with "invalid input value for enum", and the new pods fail the same way before it runs.`,
  fix: `${EXPAND_CONTRACT} For an enum: ADD VALUE the new label, release code that writes the new label and accepts both, UPDATE the rows, then stop using the old label (PostgreSQL cannot drop an enum value; to get rid of it, switch the column to a new type).`,
  check(stmt, ctx) {
    const alter = as(stmt.node, 'AlterEnumStmt');
    const type = qualifiedName(alter?.typeName);
    if (!alter?.oldVal || !type) return [];
    const created = createdEnums(ctx).get(`${type.schema}.${type.name}`);
    if (created !== undefined && created < stmt.index) return [];
    return [{ message: `renaming value '${alter.oldVal}' of enum ${type.display} to '${alter.newVal ?? '?'}' breaks pods of the previous release` }];
  },
};
