/**
 * `npm start`: the service for local development. With no database settings it starts an
 * embedded real PostgreSQL in `.data/` (reused on the next start) and advertises it, so that
 * `npm run db -- <verb>` in another terminal uses the same server; it applies the migrations, as
 * the init container would, then starts the service. With DATABASE_URL or DB_* set it uses that.
 */
import path from 'node:path';
import { describeDb, DbshipError, createLogger, upgrade, logEvents } from 'dbship';
import { loadConfig, withDatabase } from '../config.js';
import { startServer } from '../app/server.js';
import { startEmbedded, advertise, ensureDatabase, forgottenGenerate } from 'dbship/dev';

async function main(): Promise<number> {
  let config = loadConfig();
  const log = createLogger(config.logLevel, { name: 'dbship' });
  const cleanups: (() => Promise<void> | void)[] = [];
  const shutdown = async () => {
    for (const fn of cleanups.reverse()) await fn();
  };
  try {
    if (!config.db) {
      const dir = path.resolve(process.cwd(), '.data');
      log.info(`no database configured: starting the embedded PostgreSQL in ${dir}`);
      const embedded = await startEmbedded({ dir, onNotice: (line) => log.warn(line) });
      cleanups.push(() => embedded.stop());
      cleanups.push(advertise(dir, embedded.admin));
      const db = await ensureDatabase(embedded.admin);
      config = withDatabase(config, db);
      log.info(`embedded PostgreSQL ready at ${describeDb(db)} (password: postgres)`);
    }
    await upgrade(config.engine, { onEvent: logEvents(log) });
    const server = await startServer(config, { logger: log });
    cleanups.push(() => server.close());
    log.info(`dbship service listening on ${server.url} (API docs: ${server.url}/docs)`);
    // A model edit without `generate` would otherwise surface as a 500 on the first request. Said
    // once the service listens: loading drizzle-kit and the models must not delay the start.
    const cwd = process.cwd();
    void forgottenGenerate({ dir: config.engine.migrations.dir, schemaPath: path.resolve(cwd, 'src/db/schema.ts'), generateCommand: 'npm run db -- generate --name <what_changed>', cwd })
      .then((line) => line && log.warn(line), () => {});
  } catch (err) {
    await shutdown().catch(() => {});
    throw err;
  }
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  log.info('shutting down');
  await shutdown();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof DbshipError ? err.format() : String((err as Error)?.stack ?? err)}\n`);
    process.exitCode = err instanceof DbshipError ? err.exitCode : 1;
  },
);
