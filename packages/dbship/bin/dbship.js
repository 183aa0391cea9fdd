#!/usr/bin/env node
// The `dbship` command.
//
// An installed package (`npm i -D dbship`) has no src/ folder: it runs the compiled CLI in dist/.
// The dbship repository itself, a source checkout, runs the TypeScript source through tsx, so that
// `npx dbship ...` works right after `npm ci` and never runs a build older than the source.
// Production images link `dbship` to dist/cli/main.js directly and never load this file.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

if (existsSync(source) && (await registerTsx())) {
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    'error[USAGE]: dbship is neither built nor runnable from source\n' +
      `  why: ${fileURLToPath(built)} does not exist, and tsx (which runs the TypeScript source) is not installed.\n` +
      '  fix: run `npm ci` in the dbship checkout (it installs tsx), or `npm run build -w dbship`.\n',
  );
  process.exitCode = 2;
}

/** Registers tsx's loader for this process; false when tsx is not installed. */
async function registerTsx() {
  let api;
  try {
    api = await import('tsx/esm/api');
  } catch {
    return false;
  }
  // The package's own compiler settings, whatever the current directory's tsconfig says.
  api.register({ tsconfig: fileURLToPath(new URL('../tsconfig.build.json', import.meta.url)) });
  return true;
}
