import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Manifest } from './manifests.js';
import { describeManifest } from './manifests.js';

const require = createRequire(import.meta.url);
const run = promisify(execFile);

/** A field kubernetes-types does not know, or a value of the wrong type, at a path in one object. */
export interface TypeProblem {
  readonly manifest: string;
  /** Dotted path inside the object, e.g. `spec.template.spec.containers[0].imagePullPolice`. */
  readonly path: string;
  /** The same path as keys (empty: the whole object). */
  readonly keys: readonly (string | number)[];
  readonly message: string;
}

/**
 * Type-checks every manifest against kubernetes-types with the TypeScript compiler.
 *
 * Each object is written out as an object literal assigned to its declared type
 * (`const d0: Deployment = { ... }`). TypeScript runs excess-property checks only on such fresh
 * literals (never on a value typed `any` or read from JSON), so this is what makes a misspelled
 * field (`imagePullPolice`) an error. Runs in a temporary folder; the repository is not touched.
 */
export async function typecheckManifests(manifests: readonly Manifest[]): Promise<TypeProblem[]> {
  const typesRoot = path.dirname(require.resolve('kubernetes-types/package.json'));
  const problems: TypeProblem[] = [];
  const checkable: { manifest: Manifest; module: string; object: Record<string, unknown> }[] = [];
  for (const m of manifests) {
    const module = typesModule(m.apiVersion);
    if (module && existsSync(path.join(typesRoot, `${module}.d.ts`))) {
      checkable.push({ manifest: m, module, object: structuredClone(m.object) });
    } else {
      problems.push({ manifest: describeManifest(m), path: 'apiVersion', keys: ['apiVersion'], message: `no kubernetes-types module for apiVersion "${m.apiVersion}".` });
    }
  }
  // When TypeScript can pin an error on a nested property it reports that one and drops the
  // excess-property error of an enclosing literal. So each round removes every field it
  // reported and compiles again, until the rest is clean: one round when all is well.
  for (let round = 0; round < MAX_ROUNDS && checkable.length > 0; round++) {
    const source = new SourceWriter();
    checkable.forEach((c, i) => source.line(`import type { ${c.manifest.kind} as T${i} } from 'kubernetes-types/${c.module}.js';`));
    checkable.forEach((c, i) => source.assignment(`d${i}`, `T${i}`, c.manifest, c.object));
    const found = await compile(source, typesRoot);
    if (found.length === 0) break;
    for (const f of found) {
      if (!problems.some((p) => p.manifest === f.manifest && p.path === f.path && p.message === f.message) && !isArtifact(f, problems)) problems.push(f);
    }
    removeReported(checkable, found);
  }
  return problems;
}

const MAX_ROUNDS = 8;

/** "Property X is missing" where X is a field this check itself removed in an earlier round. */
function isArtifact(f: TypeProblem, earlier: readonly TypeProblem[]): boolean {
  if (!/\((TS2741|TS2739)\)$/.test(f.message)) return false;
  return earlier.some((p) => p.manifest === f.manifest && p.keys.length === f.keys.length + 1 && f.keys.every((k, i) => p.keys[i] === k));
}

/** Deletes each reported path (deepest array positions first, so indices stay valid). */
function removeReported(checkable: { manifest: Manifest; object: Record<string, unknown> }[], found: readonly TypeProblem[]): void {
  const byKeys = found.filter((f) => f.keys.length > 0).sort((a, b) => compareKeysDesc(a.keys, b.keys));
  for (const f of byKeys) {
    const target = checkable.find((c) => describeManifest(c.manifest) === f.manifest);
    if (!target) continue;
    let parent: unknown = target.object;
    for (const k of f.keys.slice(0, -1)) parent = (parent as Record<string | number, unknown> | undefined)?.[k];
    const last = f.keys[f.keys.length - 1]!;
    if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
    else if (parent && typeof parent === 'object') delete (parent as Record<string | number, unknown>)[last];
  }
  // A problem on a whole object (no deletable path) would repeat forever: stop checking that one.
  for (const f of found.filter((p) => p.keys.length === 0)) {
    const i = checkable.findIndex((c) => describeManifest(c.manifest) === f.manifest);
    if (i >= 0) checkable.splice(i, 1);
  }
}

function compareKeysDesc(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (typeof a[i] === 'number' && typeof b[i] === 'number') return (b[i] as number) - (a[i] as number);
    return String(a[i]) < String(b[i]) ? -1 : 1;
  }
  return b.length - a.length;
}

/** `apps/v1` -> `apps/v1`, `v1` -> `core/v1`, `networking.k8s.io/v1` -> `networking/v1`. */
export function typesModule(apiVersion: string): string | undefined {
  const parts = apiVersion.split('/');
  if (parts.length === 1 && parts[0]) return `core/${parts[0]}`;
  const [group, version] = parts;
  if (parts.length !== 2 || !group || !version) return undefined;
  return `${group.split('.')[0]}/${version}`;
}

async function compile(source: SourceWriter, typesRoot: string): Promise<TypeProblem[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dbship-k8s-types-'));
  try {
    writeFileSync(path.join(dir, 'manifests.ts'), source.text());
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: [],
        paths: { 'kubernetes-types/*': [`${typesRoot}/*`] },
      },
      files: ['manifests.ts'],
    }));
    const tsc = require.resolve('typescript/bin/tsc');
    try {
      await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { maxBuffer: 16 * 1024 * 1024 });
      return [];
    } catch (err) {
      const out = `${(err as { stdout?: string }).stdout ?? ''}`;
      const problems = source.explain(out);
      if (problems.length === 0) throw new Error(`the TypeScript compiler failed without a diagnostic: ${(err as Error).message}`);
      return problems;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Origin {
  readonly manifest: string;
  readonly keys: readonly (string | number)[];
}

/** Builds the generated module and remembers which manifest and path each line belongs to. */
class SourceWriter {
  private readonly lines: string[] = [];
  private readonly origin: (Origin | undefined)[] = [];

  line(text: string, where?: Origin): void {
    this.lines.push(text);
    this.origin.push(where);
  }

  assignment(name: string, type: string, m: Manifest, object: Record<string, unknown>): void {
    const manifest = describeManifest(m);
    this.line(`// ${manifest}`);
    this.value(`export const ${name}: ${type} = `, object, '', { manifest, keys: [] }, ';');
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }

  /** Turns `manifests.ts(LINE,COL): error TSxxxx: message` lines into problems with their origin. */
  explain(output: string): TypeProblem[] {
    const problems: TypeProblem[] = [];
    for (const raw of output.split('\n')) {
      const m = /^.*manifests\.ts\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(raw);
      if (m) {
        const where = this.origin[Number(m[1]) - 1];
        const keys = where?.keys ?? [];
        problems.push({ manifest: where?.manifest ?? 'generated module', path: formatPath(keys), keys, message: `${m[4]} (${m[3]})` });
      } else if (raw.startsWith('  ') && problems.length > 0) {
        const last = problems.pop()!;
        problems.push({ ...last, message: `${last.message} ${raw.trim()}` });
      }
    }
    return problems;
  }

  private value(prefix: string, v: unknown, indent: string, where: Origin, suffix: string): void {
    const at = (k: string | number): Origin => ({ manifest: where.manifest, keys: [...where.keys, k] });
    if (Array.isArray(v) && v.length > 0) {
      this.line(`${indent}${prefix}[`, where);
      v.forEach((item, i) => this.value('', item, `${indent}  `, at(i), ','));
      this.line(`${indent}]${suffix}`, where);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date) && Object.keys(v).length > 0) {
      this.line(`${indent}${prefix}{`, where);
      for (const [k, child] of Object.entries(v)) this.value(`${propertyName(k)}: `, child, `${indent}  `, at(k), ',');
      this.line(`${indent}}${suffix}`, where);
    } else {
      this.line(`${indent}${prefix}${JSON.stringify(v) ?? 'undefined'}${suffix}`, where);
    }
  }
}

/** Plain identifiers stay unquoted so diagnostics read `'imagePullPolice'`, not `'"imagePullPolice"'`. */
function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** `['spec', 'containers', 0, 'image']` -> `spec.containers[0].image`. */
export function formatPath(keys: readonly (string | number)[]): string {
  const text = keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
  return text || '(whole object)';
}
