import type { Manifest } from './manifests.js';
import { describeManifest } from './manifests.js';

/** A schema violation found by kubernetes-models (wrong type, missing required field, bad enum). */
export interface ModelProblem {
  readonly manifest: string;
  readonly message: string;
}

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/**
 * Validates each object against the Kubernetes OpenAPI schema bundled in kubernetes-models
 * (`new Deployment(doc).validate()`). The class is found from apiVersion + kind, so a new kind in
 * k8s/ needs no change here; an apiVersion/kind the package does not know is itself a problem.
 * These schemas allow unknown fields: misspellings are caught by {@link typecheckManifests}.
 */
export async function validateWithModels(manifests: readonly Manifest[]): Promise<ModelProblem[]> {
  const problems: ModelProblem[] = [];
  for (const m of manifests) {
    const Model = await loadModelClass(m.apiVersion, m.kind);
    if (!Model) {
      problems.push({ manifest: describeManifest(m), message: `unknown apiVersion/kind "${m.apiVersion}" / "${m.kind}" (not in kubernetes-models).` });
      continue;
    }
    try {
      new Model(m.object).validate();
    } catch (err) {
      problems.push({ manifest: describeManifest(m), message: (err as Error).message });
    }
  }
  return problems;
}

async function loadModelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^[a-z0-9.-]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const mod = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
    const cls = mod[kind];
    return typeof cls === 'function' ? (cls as ModelClass) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      return undefined;
    }
    throw err;
  }
}
