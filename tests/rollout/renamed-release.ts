import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from '../helpers/migrations.js';

/**
 * The source tree of release N+1 after `users.name` became `full_name`: a copy of the example
 * service whose model maps the same property to the new column, exactly the one-line change a
 * developer makes before `generate --rename users.name=full_name`. The API is unchanged.
 * Returns the path of its `server.ts`.
 */
export function renamedServiceSource(): string {
  const root = tempDir('dbship-release-n1-src-');
  cpSync(path.join(ROOT, 'src'), path.join(root, 'src'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  // ES modules, as in the repository (the service uses top-level await).
  writeFileSync(path.join(root, 'package.json'), '{ "name": "release-n1", "private": true, "type": "module" }\n');
  const schema = path.join(root, 'src/db/schema.ts');
  const source = readFileSync(schema, 'utf8');
  const renamed = source.replace("name: text('name'),", "name: text('full_name'),");
  if (renamed === source) throw new Error(`${schema}: the users.name column line was not found`);
  writeFileSync(schema, renamed);
  return path.join(root, 'src/app/server.ts');
}
