import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from './build.js';

/**
 * Compiles `bench/peers/<name>.ts` to plain JavaScript under node_modules/.cache (so that its
 * imports resolve from the project's node_modules) and returns the path: peers run on bare
 * `node`, like the built dbship CLI, so neither side pays for tsx.
 */
export function compilePeer(name: string): string {
  const source = readFileSync(path.join(ROOT, 'bench/peers', `${name}.ts`), 'utf8');
  const out = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  const dir = path.join(ROOT, 'node_modules/.cache/dbship-bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, out.outputText);
  return file;
}

/**
 * Writes a drizzle-kit config for `drizzle-kit migrate` into `dir` and returns its path.
 * The URL is read from the environment at run time, so it is never written to disk.
 */
export function drizzleKitConfig(dir: string, migrationsDir: string): string {
  const file = path.join(dir, 'drizzle.config.cjs');
  writeFileSync(
    file,
    `module.exports = { dialect: 'postgresql', out: ${JSON.stringify(migrationsDir)}, dbCredentials: { url: process.env.DATABASE_URL } };\n`,
  );
  return file;
}

export const DRIZZLE_KIT_BIN = path.join(ROOT, 'node_modules/drizzle-kit/bin.cjs');
