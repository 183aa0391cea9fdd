import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DbshipError } from '../../errors.js';
import { formatFindings, lintFiles, type LintFinding } from '../lint/index.js';
import { snapshotPath } from '../folder/layout.js';

export type { LintFinding };

/** Lints committed migration files (each down file knowing its up file, as `dbship lint` does). */
export async function lintPaths(paths: string[], cwd?: string): Promise<LintFinding[]> {
  return paths.length === 0 ? [] : lintFiles(paths, { cwd });
}

/** A file generate would write: where, and its content. */
export interface PendingFile {
  readonly path: string;
  readonly content: string;
}

/**
 * Lints files that are not written yet exactly as `check` will lint them once they are: they are
 * staged under their real names in a temporary copy of the folder (with the snapshot the first
 * of them starts from), so down files see their up file and the column types of the snapshot.
 * Findings name the real paths.
 */
export async function lintPending(dir: string, files: readonly PendingFile[], firstIndex: number): Promise<LintFinding[]> {
  const stage = mkdtempSync(path.join(os.tmpdir(), 'dbship-generate-'));
  try {
    mkdirSync(path.join(stage, 'meta'));
    const base = snapshotPath(dir, firstIndex - 1);
    if (firstIndex > 0 && existsSync(base)) copyFileSync(base, snapshotPath(stage, firstIndex - 1));
    const staged = new Map<string, string>();
    for (const f of files) {
      const target = path.join(stage, path.relative(dir, f.path));
      writeFileSync(target, f.content);
      staged.set(target, f.path);
    }
    const sqlFiles = [...staged.keys()].filter((p) => p.endsWith('.sql'));
    const findings = await lintFiles(sqlFiles);
    return findings.map((f) => ({ ...f, file: staged.get(f.file) ?? f.file }));
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The refusal when generated SQL has lint errors and `--allow-unsafe` was not given. It carries
 * the findings so that the CLI can print them as statements that were never written.
 */
export class UnsafeRefusal extends DbshipError {
  readonly findings: readonly LintFinding[];

  constructor(errors: readonly LintFinding[], relative?: (p: string) => string) {
    const shown = errors.map((f) => ({ ...f, file: relative ? relative(f.file) : f.file }));
    super('PROBLEMS_FOUND', `generate refuses to write ${errors.length} statement${errors.length > 1 ? 's' : ''} its lint rejects; nothing was written`, {
      details: formatFindings(shown, { statement: true }),
      why: 'no safe form exists for these changes: applied as generated they would lock or rewrite a table that production traffic uses, or break the pods of the previous release.',
      fix: 'change the models in smaller, backward-compatible steps (see docs/workflow.md), or write the change by hand with `--custom`; if you accept the risk (e.g. the table is small or not yet used), run again with --allow-unsafe, which records that decision in the file.',
    });
    this.findings = shown;
  }
}

/** The refusal when generated SQL has lint errors and `--allow-unsafe` was not given. */
export function unsafeRefusal(errors: readonly LintFinding[], relative?: (p: string) => string): UnsafeRefusal {
  return new UnsafeRefusal(errors, relative);
}
