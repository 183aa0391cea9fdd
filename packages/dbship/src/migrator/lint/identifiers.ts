/** Fields of parse tree nodes that hold an identifier (a name PostgreSQL stores as `name`, 63 bytes at most). */
const NAME_FIELDS = new Set([
  'relname', 'schemaname', 'catalogname', 'colname', 'conname', 'idxname', 'indexname', 'newname', 'subname',
  'aliasname', 'trigname', 'policy_name', 'name',
]);

/**
 * Subtrees whose strings are not identifiers: option values (a function body, a setting), enum
 * labels (values, refused rather than cut when too long), string constants.
 */
const NOT_NAMES: Readonly<Record<string, ReadonlySet<string>>> = {
  DefElem: new Set(['arg']),
  CreateEnumStmt: new Set(['vals']),
  A_Const: new Set(['sval']),
  VariableSetStmt: new Set(['args', 'name']),
  CommentStmt: new Set(['comment']),
};

/** Every identifier a statement's parse tree names (tables, columns, constraints, indexes, types, ...), once each. */
export function identifiersOf(node: unknown): string[] {
  const found = new Set<string>();
  collect(node, undefined, found);
  return [...found];
}

function collect(value: unknown, tag: string | undefined, found: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, tag, found);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (tag !== undefined && NOT_NAMES[tag]?.has(key)) continue;
    if (typeof child === 'string') {
      if (NAME_FIELDS.has(key) || (tag === 'String' && key === 'sval')) found.add(child);
      continue;
    }
    // A node is `{ Tag: payload }`: the payload's fields are read with the tag in hand.
    collect(child, /^[A-Z]/.test(key) ? key : tag, found);
  }
}
