import path from 'node:path';
import { expandLintTargets, formatFindings, lintFiles, migrationSqlFiles, summaryLine } from '../../migrator/lint/index.js';
import type { Command } from '../command.js';
import { ExitCode } from '../../exit-codes.js';
import { displayPath } from '../../display-path.js';

/**
 * `dbship lint [files or folders...] [--json]`: the dangerous-operation rules on migration SQL.
 * Without arguments it lints every up and down file of the configured migrations folder. Findings
 * go to stdout, the summary to stderr; exit 6 when any finding is an error, 0 otherwise.
 */
export const command: Command = {
  name: 'lint',
  summary: 'check migration SQL for dangerous operations (locks, rewrites, changes that break running pods)',
  usage: ['lint [--json] [file or folder ...]'],
  options: { json: { type: 'boolean', description: 'print files, counts and findings as JSON on stdout', example: '--json migrations/' } },
  positionals: true,
  async run(ctx) {
    const files = ctx.positionals.length > 0 ? expandLintTargets(ctx.positionals, ctx.cwd) : migrationSqlFiles(path.resolve(ctx.cwd, ctx.config().migrations.dir));
    const shown = (file: string): string => displayPath(file, ctx.cwd);
    const findings = (await lintFiles(files, { cwd: ctx.cwd })).map((f) => ({ ...f, file: shown(f.file) }));
    const errors = findings.filter((f) => f.severity === 'error').length;
    if (ctx.values.json) {
      ctx.out(JSON.stringify({ files: files.map(shown), errors, warnings: findings.length - errors, findings }, null, 2));
    } else {
      for (const line of formatFindings(findings)) ctx.out(line);
      if (files.length === 0) ctx.err('no migration files to lint');
      ctx.err(summaryLine(findings, files.length));
    }
    return errors > 0 ? ExitCode.ProblemsFound : ExitCode.Ok;
  },
};
