/**
 * The peer of `dbship deploy`: the smallest production script around drizzle-orm's own
 * migrator, reading the same migrations folder. DATABASE_URL and MIGRATIONS_DIR come from the
 * environment. Compiled to plain JavaScript by the benchmark so that it runs without tsx.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
try {
  await migrate(drizzle(pool), { migrationsFolder: process.env.MIGRATIONS_DIR ?? 'migrations' });
} catch (err) {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  process.stderr.write(`drizzle migrate failed: ${e.cause?.code ?? ''} ${e.cause?.message ?? e.message}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
