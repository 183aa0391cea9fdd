import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, tempDir } from './migrations.js';

/** A throwaway project: models files, a migrations folder, and the repository's node_modules. */
export interface Project {
  readonly root: string;
  readonly dir: string;
  /**
   * Writes a models module and returns its path. Each call writes a new file, because a module
   * is imported once per process: an edited file under the same name would not be re-read.
   */
  models(source: string): string;
  /** Every file of the migrations folder (relative path -> content). */
  files(): Map<string, string>;
  read(relative: string): string;
}

/** A temporary project; `history: true` starts from a copy of the committed migrations. */
export function makeProject(options: { history: boolean }): Project {
  const root = tempDir('dbship-gen-');
  // The models import drizzle-orm: resolve it from the repository's installed packages.
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  const dir = path.join(root, 'migrations');
  if (options.history) cpSync(path.join(ROOT, 'migrations'), dir, { recursive: true });
  let n = 0;
  return {
    root,
    dir,
    models(source) {
      const file = path.join(root, `schema-${n++}.ts`);
      writeFileSync(file, source);
      return file;
    },
    files() {
      const out = new Map<string, string>();
      const walk = (rel: string): void => {
        let entries;
        try {
          entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const r = path.join(rel, e.name);
          if (e.isDirectory()) walk(r);
          else out.set(r, readFileSync(path.join(dir, r), 'utf8'));
        }
      };
      walk('');
      return out;
    },
    read(relative) {
      return readFileSync(path.join(dir, relative), 'utf8');
    },
  };
}

/** The users table of the committed history, plus extra column lines and table extras. */
export function usersModel(options: { bio?: boolean; columns?: string[]; extras?: string[]; after?: string } = {}): string {
  const columns = [
    "id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),",
    "email: text('email').notNull().unique(),",
    "name: text('name'),",
    ...(options.bio === false ? [] : ["bio: text('bio'),"]),
    "createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),",
    "updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),",
    ...(options.columns ?? []),
  ];
  const extras = options.extras?.length ? `, (t) => [${options.extras.join(', ')}]` : '';
  return [
    "import { sql } from 'drizzle-orm';",
    "import { bigint, check, foreignKey, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';",
    `export const users = pgTable('users', {\n  ${columns.join('\n  ')}\n}${extras});`,
    options.after ?? '',
  ].join('\n');
}

/** A posts table referencing users (new in the migration that adds it). */
export const POSTS = `export const posts = pgTable('posts', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  userId: bigint('user_id', { mode: 'number' }).notNull().references(() => users.id),
  title: text('title').notNull(),
}, (t) => [index('posts_user_id_idx').on(t.userId)]);`;

/** A fixed clock for the journal's `when`. */
export const NOW = () => 1_800_000_000_000;
