import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** drizzle-kit's separator between statements of one migration file. */
export const BREAKPOINT = '--> statement-breakpoint';

export interface FolderMigration {
  readonly name: string;
  readonly sql: string;
}

/**
 * Writes migrations in drizzle-kit's folder format (meta/_journal.json + NNNN_name.sql, statements
 * separated by breakpoints), readable by dbship, drizzle-orm's migrator and drizzle-kit alike.
 */
export function writeFolder(dir: string, migrations: readonly FolderMigration[]): string {
  mkdirSync(path.join(dir, 'meta'), { recursive: true });
  const entries = migrations.map((m, idx) => {
    const tag = `${String(idx).padStart(4, '0')}_${m.name}`;
    writeFileSync(path.join(dir, `${tag}.sql`), m.sql);
    // Journal times strictly increase, as drizzle-kit writes them; drizzle's migrator relies on it.
    return { idx, version: '7', when: 1_700_000_000_000 + idx * 1000, tag, breakpoints: true };
  });
  writeFileSync(path.join(dir, 'meta/_journal.json'), `${JSON.stringify({ version: '7', dialect: 'postgresql', entries }, null, 2)}\n`);
  return dir;
}

/**
 * `count` realistic small migrations, cycling through what a service's history holds: a new
 * table, an added column, an index, a data fix. Every statement is what drizzle-kit would
 * generate or a reviewer would write by hand.
 */
export function generatedHistory(count: number): FolderMigration[] {
  const out: FolderMigration[] = [];
  for (let i = 0; i < count; i++) {
    const t = `t${Math.floor(i / 4)}`;
    switch (i % 4) {
      case 0:
        out.push({
          name: `create_${t}`,
          sql: `CREATE TABLE "${t}" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,\n\t"name" text NOT NULL,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL\n);\n`,
        });
        break;
      case 1:
        out.push({ name: `add_${t}_note`, sql: `ALTER TABLE "${t}" ADD COLUMN "note" text;${BREAKPOINT}\nALTER TABLE "${t}" ADD COLUMN "rank" integer DEFAULT 0 NOT NULL;\n` });
        break;
      case 2:
        out.push({ name: `index_${t}_name`, sql: `CREATE INDEX "${t}_name_idx" ON "${t}" USING btree ("name");\n` });
        break;
      default:
        out.push({ name: `seed_${t}`, sql: `INSERT INTO "${t}" ("name", "note") VALUES ('first', 'seeded by migration ${i}');${BREAKPOINT}\nUPDATE "${t}" SET "rank" = 1 WHERE "name" = 'first';\n` });
        break;
    }
  }
  return out;
}

/**
 * Appends one migration to an existing folder (a copy of the committed one, say): the next
 * `NNNN_` number, a journal entry after the newest, and an optional down file. Returns the tag.
 */
export function appendMigration(dir: string, name: string, sql: string, down?: string): string {
  const journalPath = path.join(dir, 'meta/_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] };
  const idx = journal.entries.length;
  const tag = `${String(idx).padStart(4, '0')}_${name}`;
  const when = Math.max(Date.now(), ...journal.entries.map((e) => e.when + 1));
  journal.entries.push({ idx, version: '7', when, tag, breakpoints: true });
  writeFileSync(path.join(dir, `${tag}.sql`), sql);
  if (down !== undefined) writeFileSync(path.join(dir, `${tag}.down.sql`), down);
  writeFileSync(journalPath, `${JSON.stringify(journal, null, 2)}\n`);
  return tag;
}
