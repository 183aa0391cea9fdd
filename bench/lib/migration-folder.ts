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
 * A long history as a real service accumulates it, in drizzle-kit's own phrasing: `count`
 * migrations over a growing set of tables. Each feature arrives as one migration (an enum type, a
 * table with an identity key, a foreign key to an earlier table with its `ON DELETE` rule, a
 * unique index and a composite index); later ones add columns (one of an enum type), indexes,
 * check constraints, foreign keys between existing tables, new enum types, and data backfills.
 * Every statement is separated by drizzle-kit's breakpoint, so both runners see the same
 * statements.
 */
export function realisticHistory(count: number): FolderMigration[] {
  const out: FolderMigration[] = [];
  const tables: string[] = [];
  let enums = 0;
  const join = (statements: string[]) => `${statements.join(`${BREAKPOINT}\n`)}\n`;
  for (let i = 0; i < count; i++) {
    const kind = tables.length < 2 ? 0 : i % 6;
    if (kind === 0 || kind === 3) {
      const t = `entity_${tables.length}`;
      const status = `${t}_status`;
      const parent = tables.at(-1);
      const statements = [
        `CREATE TYPE "public"."${status}" AS ENUM('draft', 'active', 'archived');`,
        `CREATE TABLE "${t}" (\n\t"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "${t}_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),\n`
          + `\t"code" varchar(64) NOT NULL,\n\t"title" text NOT NULL,\n\t"status" "${status}" DEFAULT 'draft' NOT NULL,\n`
          + (parent ? `\t"${parent}_id" bigint,\n` : '')
          + `\t"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,\n\t"created_at" timestamp with time zone DEFAULT now() NOT NULL,\n\t"updated_at" timestamp with time zone DEFAULT now() NOT NULL\n);`,
        ...(parent ? [`ALTER TABLE "${t}" ADD CONSTRAINT "${t}_${parent}_id_${parent}_id_fk" FOREIGN KEY ("${parent}_id") REFERENCES "public"."${parent}"("id") ON DELETE cascade ON UPDATE no action;`] : []),
        `CREATE UNIQUE INDEX "${t}_code_idx" ON "${t}" USING btree ("code");`,
        `CREATE INDEX "${t}_status_created_idx" ON "${t}" USING btree ("status","created_at");`,
      ];
      tables.push(t);
      out.push({ name: `create_${t}`, sql: join(statements) });
      continue;
    }
    const t = tables[i % tables.length]!;
    const other = tables[(i * 7) % tables.length]!;
    switch (kind) {
      case 1:
        out.push({ name: `${t}_add_columns_${i}`, sql: join([
          `ALTER TABLE "${t}" ADD COLUMN "note_${i}" text;`,
          `ALTER TABLE "${t}" ADD COLUMN "rank_${i}" integer DEFAULT 0 NOT NULL;`,
          `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_rank_${i}_check" CHECK ("${t}"."rank_${i}" >= 0);`,
        ]) });
        break;
      case 2: {
        const e = `level_${enums++}`;
        out.push({ name: `${t}_add_${e}`, sql: join([
          `CREATE TYPE "public"."${e}" AS ENUM('low', 'medium', 'high');`,
          `ALTER TABLE "${t}" ADD COLUMN "${e}" "${e}" DEFAULT 'low' NOT NULL;`,
          `CREATE INDEX "${t}_${e}_idx" ON "${t}" USING btree ("${e}");`,
        ]) });
        break;
      }
      case 4:
        out.push({ name: `${t}_ref_${other}_${i}`, sql: join([
          `ALTER TABLE "${t}" ADD COLUMN "ref_${i}_id" bigint;`,
          `ALTER TABLE "${t}" ADD CONSTRAINT "${t}_ref_${i}_id_${other}_id_fk" FOREIGN KEY ("ref_${i}_id") REFERENCES "public"."${other}"("id") ON DELETE set null ON UPDATE no action;`,
          `CREATE INDEX "${t}_ref_${i}_idx" ON "${t}" USING btree ("ref_${i}_id");`,
        ]) });
        break;
      default:
        out.push({ name: `${t}_backfill_${i}`, sql: join([
          `INSERT INTO "${t}" ("code", "title") VALUES ('seed-${i}', 'Seeded by migration ${i}') ON CONFLICT DO NOTHING;`,
          `UPDATE "${t}" SET "status" = 'active', "updated_at" = now() WHERE "status" = 'draft';`,
        ]) });
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
