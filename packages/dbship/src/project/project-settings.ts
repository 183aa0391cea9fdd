import path from 'node:path';
import type { SettingsSources } from './sources.js';

/** What the CLI's development verbs need from the project, beside the engine settings. */
export interface ProjectSettings {
  readonly root: string;
  /** The models modules (drizzle.config `schema`), absolute; default `src/db/schema.ts`. */
  readonly models: readonly string[];
  /** drizzle-kit's tracking table as the project declares it (`migrations.schema` / `.table`), for `baseline`. */
  readonly drizzleTable: { readonly schema: string; readonly table: string } | null;
}

/** The project settings from merged sources (see `loadSources`). */
export function projectSettings(sources: SettingsSources): ProjectSettings {
  const models = (sources.values.models ?? 'src/db/schema.ts').split('\n').filter(Boolean);
  const table = sources.values.drizzleTable;
  const schema = sources.values.drizzleSchema;
  return Object.freeze({
    root: sources.root,
    models: Object.freeze(models.map((m) => path.resolve(sources.root, m))),
    drizzleTable: table || schema ? Object.freeze({ schema: schema ?? 'drizzle', table: table ?? '__drizzle_migrations' }) : null,
  });
}
