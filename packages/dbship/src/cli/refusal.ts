import type { LintFinding } from '../migrator/lint/types.js';
import type { RenameAmbiguity } from '../migrator/generate/renames.js';
import { DROP_AND_ADD, formatAmbiguity, RENAME_STEPS, RENAME_WHY } from '../migrator/generate/renames.js';
import { formatRefusedStatement, wrap } from './findings.js';
import { commandLine, type Invocation } from './invocation.js';
import type { Style } from './style.js';

/**
 * generate's refusals, for a person: the way forward first, then what was refused, then why,
 * wrapped to 80 columns. Nothing here points at a suppression in a file: none was written.
 */
export function formatUnsafeRefusal(findings: readonly LintFinding[], name: string, inv: Invocation, style: Style): string[] {
  const n = findings.length;
  return [
    `${style.red(style.bold('error[PROBLEMS_FOUND]:'))} generate wrote nothing: ${n} statement${n > 1 ? 's have' : ' has'} no safe form`,
    `  ${style.green('do one of:')}`,
    ...wrap('change the models in smaller, backward-compatible steps (docs/workflow.md)', '    - ', '      '),
    '    - write the change by hand:',
    `      ${commandLine(inv, `generate --name ${name} --custom`)}`,
    '    - accept the risk (each statement is marked -- dbship:allow for review):',
    `      ${commandLine(inv, `generate --name ${name} --allow-unsafe`)}`,
    '  refused:',
    ...findings.flatMap((f) => formatRefusedStatement(f)),
    ...wrap('applied as generated, these statements would lock or rewrite a table that production traffic uses, or break the pods of the previous release.', '  why: ', '    '),
  ];
}

/** The rename refusal: the expand/contract steps first, then the objects, then why. */
export function formatRenameRefusal(ambiguities: readonly RenameAmbiguity[], style: Style): string[] {
  return [
    `${style.red(style.bold('error[PROBLEMS_FOUND]:'))} generate wrote nothing: dbship never guesses renames`,
    `  ${style.green('do it in steps, one migration each:')}`,
    ...RENAME_STEPS.map((step, i) => `    ${i + 1}. ${step}`),
    ...wrap(DROP_AND_ADD, '    ', '    '),
    '  the models both remove and add objects of the same kind (a rename?):',
    ...ambiguities.map((a) => `    ${formatAmbiguity(a)}`),
    ...wrap(RENAME_WHY, '  why: ', '    '),
  ];
}
