import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One Kubernetes object read from a YAML document under `k8s/`. */
export interface Manifest {
  /** Path relative to the repository root, e.g. `k8s/02-app.yaml`. */
  readonly file: string;
  /** 0-based position of the document in its file. */
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** The document as plain data (what `kubectl apply` would send). */
  readonly object: Record<string, unknown>;
}

/** A container spec as far as the contract tests and the e2e runner read it. */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean }; prefix?: string }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Record<string, unknown>;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
}

export interface PodTemplate {
  securityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
  terminationGracePeriodSeconds?: number;
  initContainers?: ContainerSpec[];
  containers: ContainerSpec[];
}

/**
 * Reads every YAML document of every `*.yaml` / `*.yml` file in `dir`, in file-name order (the
 * order `kubectl apply -f dir` uses). Parses as YAML 1.1, as Kubernetes does, so an unquoted
 * `on` or `yes` becomes a boolean here too and fails the type checks instead of slipping through.
 * Throws with file and line on a syntax error, a duplicate key or a document that is no object.
 */
export function loadManifests(dir: string, root = process.cwd()): Manifest[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  return files.flatMap((f) => parseManifestFile(path.relative(root, path.join(dir, f)), readFileSync(path.join(dir, f), 'utf8')));
}

/** Parses one multi-document YAML text; `file` is only used in messages and results. */
export function parseManifestFile(file: string, text: string): Manifest[] {
  const docs = parseAllDocuments(text, { version: '1.1', uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) return [];
  const out: Manifest[] = [];
  docs.forEach((doc, index) => {
    const problem = doc.errors[0];
    if (problem) throw new Error(`${file}: YAML document ${index + 1}: ${problem.message}`);
    const object: unknown = doc.toJS();
    if (object === null || object === undefined) return;
    if (typeof object !== 'object' || Array.isArray(object)) {
      throw new Error(`${file}: YAML document ${index + 1} is not a mapping, so it is no Kubernetes object.`);
    }
    const o = object as Record<string, unknown>;
    const metadata = (o.metadata ?? {}) as Record<string, unknown>;
    out.push({
      file,
      index,
      apiVersion: String(o.apiVersion ?? ''),
      kind: String(o.kind ?? ''),
      name: String(metadata.name ?? ''),
      object: o,
    });
  });
  return out;
}

/** The one object of `kind` named `name`; throws a message naming what exists instead. */
export function findManifest(all: readonly Manifest[], kind: string, name: string): Manifest {
  const found = all.find((m) => m.kind === kind && m.name === name);
  if (!found) {
    const have = all.map((m) => `${m.kind}/${m.name}`).join(', ');
    throw new Error(`no ${kind} named "${name}" in the manifests (found: ${have || 'nothing'}).`);
  }
  return found;
}

/** The pod template of a Deployment (or any workload with `spec.template.spec`). */
export function podTemplate(m: Manifest): PodTemplate {
  const spec = (m.object.spec as { template?: { spec?: PodTemplate } } | undefined)?.template?.spec;
  if (!spec) throw new Error(`${m.file}: ${m.kind}/${m.name} has no spec.template.spec.`);
  return spec;
}

/** `kind/name (file)`: how messages point at an object. */
export function describeManifest(m: Manifest): string {
  return `${m.kind}/${m.name} (${m.file}, document ${m.index + 1})`;
}
