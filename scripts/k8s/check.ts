/**
 * `npm run k8s:check [dir...]`: validates every manifest in k8s/ and k8s/jobs/ (or the folders given) offline, with no
 * cluster: the Kubernetes OpenAPI schemas (types, required fields, enums) and a TypeScript check
 * against kubernetes-types that rejects unknown or misspelled fields. Exit 0 clean, 6 problems
 * found (dbship's exit code for "check found problems"), 2 when the files cannot be read.
 */
import path from 'node:path';
import { loadManifests } from './manifests.js';
import { typecheckManifests } from './typecheck.js';
import { validateWithModels } from './validate-models.js';

const dirs = (process.argv.length > 2 ? process.argv.slice(2) : ['k8s', 'k8s/jobs']).map((d) => path.resolve(d));
const dir = dirs.map((d) => path.relative(process.cwd(), d) || '.').join(' and ');
let manifests;
try {
  manifests = dirs.flatMap((d) => loadManifests(d));
} catch (err) {
  console.error(`error: cannot read the manifests in ${dir}: ${(err as Error).message}`);
  process.exit(2);
}
if (manifests.length === 0) {
  console.error(`error: no Kubernetes objects in ${dir}\n  fix: run from the repository root, or pass the folder: npm run k8s:check -- path/to/k8s`);
  process.exit(2);
}
const [schema, types] = await Promise.all([validateWithModels(manifests), typecheckManifests(manifests)]);
for (const p of schema) console.error(`schema  ${p.manifest}: ${p.message}`);
for (const p of types) console.error(`fields  ${p.manifest} at ${p.path}: ${p.message}`);
const count = schema.length + types.length;
console.error(count === 0 ? `ok: ${manifests.length} objects in ${dir} are valid` : `${count} problem(s) found`);
process.exitCode = count === 0 ? 0 : 6;
