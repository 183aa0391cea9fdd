import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { makeProject, type Project } from './generate-fixture.js';
import { ROOT } from './migrations.js';

const KIT = path.join(ROOT, 'node_modules', 'drizzle-kit', 'bin.cjs');

/** One step of a history as a drizzle-kit user makes it: a model change, or a hand-written migration. */
export type KitStep =
  | { readonly name: string; readonly models: string }
  | { readonly name: string; readonly custom: string };

/**
 * A temporary project whose migrations folder is written by drizzle-kit's own CLI
 * (`drizzle-kit generate`, `--custom` for hand-written SQL), step by step, exactly as a project
 * that never used dbship has it: journal, SQL files and snapshots, no down files.
 */
export function drizzleKitHistory(steps: readonly KitStep[]): Project {
  const project = makeProject({ history: false });
  let models = project.models('export {};\n');
  for (const step of steps) {
    if ('models' in step) models = project.models(step.models);
    // Relative paths, as in a drizzle.config: drizzle-kit prefixes "./" to the folder when it reads snapshots back.
    const args = ['generate', '--dialect', 'postgresql', '--schema', path.relative(project.root, models), '--out', path.relative(project.root, project.dir), '--name', step.name];
    if ('custom' in step) args.push('--custom');
    const run = spawnSync(process.execPath, [KIT, ...args], { cwd: project.root, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    // drizzle-kit exits 0 after some errors: its stderr tells.
    if (run.status !== 0 || /Error/.test(run.stderr)) throw new Error(`drizzle-kit generate ${step.name} failed (${run.status}): ${run.stderr}${run.stdout}`);
    if ('custom' in step) {
      const file = readdirSync(project.dir).find((f) => f.endsWith(`_${step.name}.sql`));
      if (!file) throw new Error(`drizzle-kit wrote no file for the custom migration ${step.name}`);
      // drizzle-kit's template is one comment line without a newline at the end.
      appendFileSync(path.join(project.dir, file), `\n${step.custom}\n`);
    }
  }
  return project;
}
