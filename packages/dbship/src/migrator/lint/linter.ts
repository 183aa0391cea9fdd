import { headerDirectives, NO_TRANSACTION } from '../folder/files.js';
import { isDownFile } from '../folder/layout.js';
import { lineComments } from '../sql/comments.js';
import { withDoBlocks } from './do-block.js';
import { contextFor, type ColumnTypeLookup, type FileFacts } from './context.js';
import { collectFacts, type MigrationFacts } from './facts.js';
import { parseFile } from './parse.js';
import { META_RULES, STATEMENT_RULES } from './rules/index.js';
import { SourceText } from '../sql/source.js';
import { findSuppressions, type Suppression } from './suppressions.js';
import type { LintFinding, LintRule, LintStatement, RuleHit } from './types.js';

/** Options of {@link lintSql}. */
export interface LintSqlOptions {
  /** The file name shown in findings; `*.down.sql` marks a down file. */
  file: string;
  /** Default: false when the header has `-- dbship:no-transaction`, as the engine decides. */
  transactional?: boolean;
  /** Down files: the SQL of the up migration it reverts (objects it created may be dropped). */
  reverts?: string;
  /** Column types before this file runs (from the snapshot), to prove a type change safe. */
  columnTypes?: ColumnTypeLookup;
}

const SUPPRESSIBLE = new Map(STATEMENT_RULES.map((r) => [r.id, r]));

/** Lints one file's SQL. Never throws on bad SQL: a syntax error is a finding. */
export async function lintSource(sql: string, options: LintSqlOptions): Promise<LintFinding[]> {
  const source = new SourceText(sql);
  const parsed = await parseFile(source);
  if (!parsed.ok) {
    // An editor's UTF-8 byte order mark is invisible in the parser's message ("at or near ...").
    const bom = sql.startsWith('\uFEFF') ? ' (the file starts with a UTF-8 byte order mark, which PostgreSQL rejects: save it without BOM)' : '';
    return [metaFinding(META_RULES.syntaxError, options.file, source, parsed.offset, `${parsed.message}${bom}`)];
  }
  const { statements, problems: blockProblems } = await withDoBlocks(source, parsed.statements);
  const file: FileFacts = {
    file: options.file,
    kind: isDownFile(options.file) ? 'down' : 'up',
    transactional: options.transactional ?? !headerDirectives(sql).has(NO_TRANSACTION),
    statements,
    facts: collectFacts(statements),
    reverted: options.reverts === undefined ? undefined : await revertedFacts(options.reverts),
    columnTypes: options.columnTypes,
  };
  const raw: { rule: LintRule; stmt: LintStatement; hit: RuleHit }[] = [];
  for (const stmt of statements) {
    const ctx = contextFor(file, stmt.index);
    for (const rule of STATEMENT_RULES) for (const hit of rule.check(stmt, ctx)) raw.push({ rule, stmt, hit });
  }
  const suppressions = findSuppressions(source, statements, lineComments(sql));
  const { kept, problems } = applySuppressions(raw, suppressions, options.file, source);
  const findings = [
    ...kept.map((r) => statementFinding(r.rule, options.file, source, r.stmt, r.hit)),
    ...problems,
    ...blockProblems.map((p) => metaFinding(META_RULES.syntaxError, options.file, source, p.offset, p.message)),
  ];
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
}

async function revertedFacts(sql: string): Promise<MigrationFacts | undefined> {
  const parsed = await parseFile(new SourceText(sql));
  return parsed.ok ? collectFacts(parsed.statements) : undefined;
}

function applySuppressions<T extends { rule: LintRule; stmt: LintStatement }>(raw: T[], suppressions: Suppression[], file: string, source: SourceText): { kept: T[]; problems: LintFinding[] } {
  const problems: LintFinding[] = [];
  const valid = suppressions.filter((s) => {
    if (!SUPPRESSIBLE.has(s.rule)) {
      const what = s.rule === '' ? 'names no rule' : `names "${s.rule}", which is not a rule that can be suppressed`;
      problems.push(metaFinding(META_RULES.suppressionUnknownRule, file, source, s.offset, `suppression ${what}`));
      return false;
    }
    if (s.reason === '') {
      problems.push(metaFinding(META_RULES.suppressionWithoutReason, file, source, s.offset, `suppression of ${s.rule} gives no reason, so it is ignored`));
      return false;
    }
    return true;
  });
  const used = new Set<Suppression>();
  const kept = raw.filter((r) => {
    // A directive above a DO block covers the statements inside it too.
    const s = valid.find((v) => v.rule === r.rule.id && (v.statements.includes(r.stmt.index) || (r.stmt.enclosing !== undefined && v.statements.includes(r.stmt.enclosing))));
    if (s) used.add(s);
    return !s;
  });
  for (const s of valid) {
    if (used.has(s)) continue;
    const where = s.statements.length === 0 ? 'is not attached to any statement' : `matches no ${s.rule} finding on its statement`;
    problems.push(metaFinding(META_RULES.unusedSuppression, file, source, s.offset, `suppression of ${s.rule} ${where}`));
  }
  return { kept, problems };
}

function statementFinding(rule: LintRule, file: string, source: SourceText, stmt: LintStatement, hit: RuleHit): LintFinding {
  const offset = hit.offset ?? (hit.location !== undefined && hit.location >= 0 ? source.fromByte(hit.location) : stmt.start);
  const { line, column } = source.position(offset);
  return { rule: rule.id, severity: rule.severity, file, line, column, statement: summarize(stmt.text), message: hit.message, why: hit.why ?? rule.why, fix: hit.fix ?? rule.fix };
}

function metaFinding(rule: LintRule, file: string, source: SourceText, offset: number, message: string): LintFinding {
  const { line, column } = source.position(offset);
  return { rule: rule.id, severity: rule.severity, file, line, column, statement: summarize(source.lineText(line)), message, why: rule.why, fix: rule.fix };
}

/** A statement for a report line: whitespace collapsed, at most 200 characters. */
export function summarize(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}
