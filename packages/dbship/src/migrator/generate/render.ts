import type { PlannedMigration } from './plan.js';
import type { LintFinding } from './lint-generated.js';

// drizzle-kit's own delimiter, kept so the files stay usable by drizzle-orm's migrator, which splits
// on it. dbship itself splits with the PostgreSQL parser and ignores the marker.
const BREAKPOINT = '--> statement-breakpoint\n';

/**
 * A file's text exactly as drizzle-kit writes it (statements joined by its breakpoint, no
 * trailing newline added), after the header lines.
 */
export function renderSql(header: readonly string[], statements: readonly string[]): string {
  const body = statements.join(BREAKPOINT);
  return header.length === 0 ? body : `${header.join('\n')}\n${body}`;
}

/** 1-based line on which each statement starts in {@link renderSql}'s output. */
export function statementLines(header: readonly string[], statements: readonly string[]): number[] {
  let line = header.length + 1;
  return statements.map((s) => {
    const start = line;
    line += (s + BREAKPOINT).split('\n').length - 1;
    return start;
  });
}

/** The directive that records a deliberately accepted lint error, above the statement. */
export function allowDirective(rule: string, name: string): string {
  return `-- dbship:allow ${rule} generated with --allow-unsafe: ${name}`;
}

/**
 * With `--allow-unsafe`, each statement with a lint error gets one `-- dbship:allow <rule>` line
 * per rule directly above it, naming the migration: the acceptance is visible in review, and
 * `check` / `lint` treat it as a deliberate decision rather than passing silently.
 */
export function markAllowed(plan: PlannedMigration, upErrors: readonly LintFinding[], downErrors: readonly LintFinding[]): PlannedMigration {
  return {
    ...plan,
    up: markStatements(plan.header, plan.up, upErrors, plan.name),
    down: markStatements(plan.downHeader, plan.down, downErrors, plan.name),
  };
}

function markStatements(header: readonly string[], statements: readonly string[], errors: readonly LintFinding[], name: string): string[] {
  const starts = statementLines(header, statements);
  const rules = statements.map(() => new Set<string>());
  for (const f of errors) {
    let at = 0;
    starts.forEach((line, i) => {
      if (line <= f.line) at = i;
    });
    rules[at]?.add(f.rule);
  }
  return statements.map((s, i) => [...rules[i]!].map((r) => `${allowDirective(r, name)}\n`).join('') + s);
}
