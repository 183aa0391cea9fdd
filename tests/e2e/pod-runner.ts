import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerSpec, Manifest, PodTemplate } from '../../scripts/k8s/manifests.js';
import { envRecord, objectData, resolveContainerEnv } from '../../scripts/k8s/pod-env.js';
import { podman, type Exec } from './podman.js';

/** The substitutions that turn the cluster manifests into ones this machine can run. */
export interface RenderOptions {
  /** The image built for the test (replaces every container image and DBSHIP_IMAGE). */
  readonly image: string;
  /** Values for the Secret's keys (the test database's name and role). */
  readonly secret: { readonly name: string; readonly data: Record<string, string> };
  /** ConfigMap keys to override: the database host and port, the app port on the host network. */
  readonly config: { readonly name: string; readonly data: Record<string, string> };
}

/**
 * A copy of the manifests with the image, Secret and ConfigMap values replaced; nothing else
 * changes, so the containers run with the command, user, security settings and environment
 * the cluster would use.
 */
export function renderForHost(manifests: readonly Manifest[], options: RenderOptions): Manifest[] {
  const images = new Set<string>();
  const copy = manifests.map((m) => ({ ...m, object: structuredClone(m.object) }));
  for (const m of copy) {
    if (m.kind === 'Secret' && m.name === options.secret.name) m.object.stringData = { ...objectData(copy, 'Secret', m.name), ...options.secret.data };
    if (m.kind === 'Secret' && m.name === options.secret.name) delete m.object.data;
    if (m.kind === 'ConfigMap' && m.name === options.config.name) m.object.data = { ...(m.object.data as object), ...options.config.data };
    const spec = (m.object.spec as { template?: { spec?: PodTemplate } } | undefined)?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      images.add(c.image);
      c.image = options.image;
    }
  }
  for (const m of copy) {
    const spec = (m.object.spec as { template?: { spec?: PodTemplate } } | undefined)?.template?.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      for (const e of c.env ?? []) if (e.name === 'DBSHIP_IMAGE' && e.value && images.has(e.value)) e.value = options.image;
    }
  }
  return copy;
}

export interface RunSpec {
  /** Container name (also used as the pod hostname, as Kubernetes sets HOSTNAME to the pod name). */
  readonly name: string;
  readonly pod: PodTemplate;
  readonly container: ContainerSpec;
  readonly manifests: readonly Manifest[];
  /** Folder for the 0600 env file (the Secret's values never appear on a command line). */
  readonly workDir: string;
  readonly label: string;
  /** Extra variables after the manifest's (a test overriding one setting). */
  readonly envOverrides?: Record<string, string>;
}

/**
 * `podman run` arguments equivalent to the manifest's container: user and group, read-only root
 * with the emptyDir mounts as tmpfs, no-new-privileges, dropped capabilities, memory and CPU
 * limits, the resolved environment, `command` as the entrypoint and `args` after the image.
 * Host networking stands in for the pod network (the test database listens on loopback).
 */
export function podmanRunArgs(spec: RunSpec): string[] {
  const { pod, container: c } = spec;
  const sc = (c.securityContext ?? {}) as {
    runAsUser?: number; runAsGroup?: number; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] }; privileged?: boolean;
  };
  if (sc.privileged) throw new Error(`${c.name}: privileged containers are not supported by this runner`);
  const args = ['--name', spec.name, '--hostname', spec.name, '--label', spec.label, '--network', 'host', '--pull', 'never'];
  const user = sc.runAsUser ?? pod.securityContext?.runAsUser;
  const group = sc.runAsGroup ?? pod.securityContext?.runAsGroup;
  if (user !== undefined) args.push('--user', group === undefined ? String(user) : `${user}:${group}`);
  if (sc.readOnlyRootFilesystem) args.push('--read-only', '--read-only-tmpfs=false');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) args.push('--cap-add', cap);
  args.push(...mountArgs(spec), ...resourceArgs(c));
  const env = resolveContainerEnv(c, spec.manifests);
  if (env.missing.length > 0) throw new Error(`${c.name}: unresolved references ${env.missing.map((m) => m.ref).join(', ')}`);
  const envFile = path.join(spec.workDir, `${spec.name}.env`);
  const values = { ...envRecord(env), ...spec.envOverrides };
  writeFileSync(envFile, Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  chmodSync(envFile, 0o600);
  args.push('--env-file', envFile);
  if (c.command) args.push('--entrypoint', JSON.stringify(c.command));
  args.push(c.image, ...(c.args ?? []));
  return args;
}

function mountArgs(spec: RunSpec): string[] {
  const volumes = (spec.pod as { volumes?: { name: string; emptyDir?: { sizeLimit?: string; medium?: string } }[] }).volumes ?? [];
  const mounts = (spec.container as { volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }).volumeMounts ?? [];
  return mounts.flatMap((m) => {
    const v = volumes.find((x) => x.name === m.name);
    if (!v?.emptyDir) throw new Error(`${spec.container.name}: volume "${m.name}" is not an emptyDir; this runner only emulates emptyDir`);
    const size = v.emptyDir.sizeLimit ? `,size=${bytes(v.emptyDir.sizeLimit)}` : '';
    return ['--tmpfs', `${m.mountPath}:rw,mode=1777${size}`];
  });
}

function resourceArgs(c: ContainerSpec): string[] {
  const limits = (c as { resources?: { limits?: { memory?: string; cpu?: string } } }).resources?.limits ?? {};
  const args: string[] = [];
  if (limits.memory) args.push('--memory', String(bytes(limits.memory)));
  if (limits.cpu) args.push('--cpus', String(cpus(limits.cpu)));
  return args;
}

/** Kubernetes quantities: `256Mi`, `1Gi`, `500M`, `1000`. */
export function bytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity.trim());
  if (!m) throw new Error(`unsupported memory quantity "${quantity}"`);
  const factor = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ''] ?? 1;
  return Math.round(Number(m[1]) * factor);
}

/** `500m` -> 0.5, `1` -> 1. */
export function cpus(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(quantity.trim());
  if (!m) throw new Error(`unsupported cpu quantity "${quantity}"`);
  return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** Runs a container to completion (an init container) and returns its exit code and output. */
export async function runToCompletion(spec: RunSpec, timeoutMs: number): Promise<Exec> {
  const result = await podman(['run', '--rm', ...podmanRunArgs(spec)], { timeoutMs });
  if (result.stderr.includes('(killed after')) await podman(['rm', '-f', spec.name], { timeoutMs: 30_000 });
  return result;
}

/** Starts a long-running container (the app) in the background. */
export async function start(spec: RunSpec): Promise<Exec> {
  return podman(['run', '--detach', ...podmanRunArgs(spec)], { timeoutMs: 60_000 });
}
