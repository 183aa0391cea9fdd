import { cpSync } from 'node:fs';
import { generate } from '../../packages/dbship/src/migrator/generate/index.js';
import { makeProject, NOW, usersModel, type Project } from './generate-fixture.js';
import { tempDir } from './migrations.js';

/**
 * Models for the online rename of constrained columns: users gains a team (NOT NULL, default 1,
 * a foreign key to teams, an index, a check) and a status (NOT NULL, default 'new'); email (NOT
 * NULL UNIQUE in the history) gets a check and a two-column index. `renamed` maps one column to a
 * new name string, as release N+1's models do.
 */
export function constrainedModels(renamed: { email?: string; team?: string; status?: string } = {}): string {
  const email = renamed.email ?? 'email';
  const team = renamed.team ?? 'team_id';
  const status = renamed.status ?? 'status';
  const teams = "export const teams = pgTable('teams', { id: bigint('id', { mode: 'number' }).primaryKey() });";
  return usersModel({
    columns: [
      `teamId: bigint('${team}', { mode: 'number' }).notNull().default(1).references(() => teams.id),`,
      `status: text('${status}').notNull().default('new'),`,
    ],
    extras: [
      "index('users_email_created_idx').on(t.email, t.createdAt)",
      "check('users_email_check', sql`${t.email} like '%@%'`)",
      "index('users_team_idx').on(t.teamId)",
      "check('users_team_check', sql`${t.teamId} > 0`)",
      "check('users_status_check', sql`${t.status} in ('new', 'active', 'closed')`)",
    ],
  }).replace("export const users", `${teams}\nexport const users`).replace(`text('email')`, `text('${email}')`);
}

/**
 * Release N's migrations folder (the history, then teams and the constrained columns: 0002..0004)
 * and release N+1's (the same, then `column` renamed online).
 */
export async function constrainedRelease(rename: { column: 'email' | 'team_id' | 'status'; to: string; name: string }): Promise<{ project: Project; releaseN: string; setup: string[]; tags: string[] }> {
  const p = makeProject({ history: true });
  const setup = await generate({ dir: p.dir, name: 'add_teams', schemaPath: p.models(constrainedModels()), now: NOW });
  const releaseN = tempDir('dbship-release-n-');
  cpSync(p.dir, releaseN, { recursive: true });
  const key = rename.column === 'email' ? 'email' : rename.column === 'team_id' ? 'team' : 'status';
  const result = await generate({ dir: p.dir, name: rename.name, schemaPath: p.models(constrainedModels({ [key]: rename.to })), now: NOW, rename: { table: 'public.users', from: rename.column, to: rename.to } });
  return { project: p, releaseN, setup: setup.migrations.map((m) => m.tag), tags: result.migrations.map((m) => m.tag) };
}
