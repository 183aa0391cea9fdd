import type { ContainerSpec, EnvVar, Manifest } from './manifests.js';

/** Where one environment variable of a container comes from. */
export type EnvSource =
  | { readonly kind: 'value' }
  | { readonly kind: 'configMap'; readonly name: string; readonly key: string }
  | { readonly kind: 'secret'; readonly name: string; readonly key: string }
  | { readonly kind: 'field'; readonly fieldPath: string };

export interface ResolvedEnvVar {
  readonly name: string;
  /** The value the kubelet would set; undefined for a downward-API field (known only at run time). */
  readonly value: string | undefined;
  readonly source: EnvSource;
}

/** A reference to a Secret or ConfigMap key that the manifests do not provide. */
export interface MissingRef {
  readonly container: string;
  readonly variable: string;
  readonly ref: string;
}

export interface ContainerEnv {
  readonly vars: Map<string, ResolvedEnvVar>;
  readonly missing: MissingRef[];
}

/**
 * Resolves a container's environment as the kubelet does: `envFrom` first (in order), then `env`
 * (later entries win), Secret and ConfigMap values looked up in `manifests`. An optional reference
 * to an absent key leaves the variable unset; a required one is reported in `missing`.
 */
export function resolveContainerEnv(container: ContainerSpec, manifests: readonly Manifest[]): ContainerEnv {
  const vars = new Map<string, ResolvedEnvVar>();
  const missing: MissingRef[] = [];
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = objectData(manifests, kind, ref.name);
    if (!data) {
      if (!ref.optional) missing.push({ container: container.name, variable: '(envFrom)', ref: `${kind}/${ref.name}` });
      continue;
    }
    for (const [key, value] of Object.entries(data)) {
      const name = `${from.prefix ?? ''}${key}`;
      vars.set(name, { name, value, source: kind === 'ConfigMap' ? { kind: 'configMap', name: ref.name, key } : { kind: 'secret', name: ref.name, key } });
    }
  }
  for (const e of container.env ?? []) {
    const resolved = resolveOne(e, manifests);
    if (resolved === 'missing') {
      const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
      missing.push({ container: container.name, variable: e.name, ref: `${e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap'}/${ref?.name} key ${ref?.key}` });
    } else if (resolved) {
      vars.set(e.name, resolved);
    } else {
      vars.delete(e.name);
    }
  }
  return { vars, missing };
}

/** `{ NAME: value }` for the variables with a value (what `podman run --env-file` needs). */
export function envRecord(env: ContainerEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of env.vars.values()) if (v.value !== undefined) out[v.name] = v.value;
  return out;
}

function resolveOne(e: EnvVar, manifests: readonly Manifest[]): ResolvedEnvVar | 'missing' | undefined {
  if (e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef) {
    const isSecret = Boolean(e.valueFrom.secretKeyRef);
    const ref = (e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef)!;
    const value = objectData(manifests, isSecret ? 'Secret' : 'ConfigMap', ref.name)?.[ref.key];
    if (value === undefined) return ref.optional ? undefined : 'missing';
    return { name: e.name, value, source: { kind: isSecret ? 'secret' : 'configMap', name: ref.name, key: ref.key } };
  }
  if (e.valueFrom?.fieldRef) return { name: e.name, value: undefined, source: { kind: 'field', fieldPath: e.valueFrom.fieldRef.fieldPath } };
  return { name: e.name, value: e.value ?? '', source: { kind: 'value' } };
}

/** The string data of a Secret (`stringData` over base64 `data`, as the API server merges them) or ConfigMap. */
export function objectData(manifests: readonly Manifest[], kind: 'Secret' | 'ConfigMap', name: string): Record<string, string> | undefined {
  const m = manifests.find((x) => x.kind === kind && x.name === name);
  if (!m) return undefined;
  const out: Record<string, string> = {};
  const data = (m.object.data ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(data)) out[k] = kind === 'Secret' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
  if (kind === 'Secret') for (const [k, v] of Object.entries((m.object.stringData ?? {}) as Record<string, unknown>)) out[k] = String(v);
  return out;
}
