import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import type pg from 'pg';
import Format from 'typebox/format';
import { createLogger, type Logger, schemaReadiness, SqlState, type SchemaReadiness } from 'dbship/service';
import type { Config } from '../config.js';
import { classifyDbError, loggableError } from './db-errors.js';
import { isValidEmail } from './users/email.js';
import { mapError } from './error-mapping.js';
import { ApiError } from './http-errors.js';
import { registerJsonBody } from './json-body.js';
import { registerOpenApi } from './openapi.js';
import { QueryTimeouts } from './health/query-timeouts.js';
import { buildMigrations } from './health/build-migration.js';
import { ReadinessProbe, type ReadinessProbeOptions } from './health/readiness-probe.js';
import { pathOf, registerRequestLog } from './request-log.js';
import { healthRoutes } from './health/routes.js';
import { usersRoutes } from './users/routes.js';
import { UsersRepository } from './users/repository.js';
import { lazySerializers } from './serializer.js';
import { validatorCompiler } from './validator.js';

/** The service's Fastify instance, typed for TypeBox schemas. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface AppDeps {
  /** The app's pool (from `createPool`); the caller owns it and ends it after `app.close()`. */
  readonly pool: pg.Pool;
  /** Default: `createLogger(config.logLevel)`. */
  readonly logger?: Logger;
  /** Readiness cache and timeout (defaults: 1 s, 1.5 s). */
  readonly readiness?: Omit<ReadinessProbeOptions, 'onChange'>;
}

/** Request bodies are small JSON objects; anything larger is refused before parsing. */
const BODY_LIMIT = 64 * 1024;
const RETRY_AFTER_SECONDS = '5';

// The API's own address rules (see email.ts) back `format: "email"` in every schema.
Format.Set('email', isValidEmail);

/**
 * Builds the HTTP service; never listens (see `server.ts`). Learns once which migration `/readyz`
 * waits for: the one recorded at build time, or, run from source, the newest in the migrations
 * folder, where a missing or empty folder (`MIGRATIONS_DIR_MISSING`) or an inconsistent one
 * (`MIGRATIONS_DIR_INVALID`) fails here. Never creates or changes the schema.
 */
export function buildApp(config: Config, deps: AppDeps): App {
  const logger = deps.logger ?? createLogger(config.logLevel, { name: 'dbship-app' });
  // As drizzle-orm's migrator does, a `.sql` file the journal does not list is ignored (with a
  // warning): the service only needs the newest migration's name, and upgrade enforces strictness.
  // Trailing contract steps of online changes are not waited for: they run once the previous
  // release is gone, and this build uses only the new shape (docs/online-changes.md).
  const newest = buildMigrations(config.migrations.dir, (message) => logger.warn(message)).ready;
  const app: App = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One line per request comes from request-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // While draining, requests on open keep-alive connections are still served (with
    // `Connection: close`); /readyz says "shutting down" so the endpoint is removed.
    return503OnClosing: false,
    bodyLimit: BODY_LIMIT,
    // A URL Fastify cannot decode (`/users/%E0%A4%A`) gets the API's error shape, not Fastify's.
    frameworkErrors: answerFrameworkError,
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  const timeouts = new QueryTimeouts(config.dbStatementTimeoutMs);
  const probe = new ReadinessProbe(async () => {
    const timingOut = timeouts.reason();
    return timingOut ? { ready: false, reason: timingOut } : schemaReadiness(deps.pool, newest, config.migrations.trackingSchema);
  }, {
    ...deps.readiness,
    onChange: (state) => logReadiness(app.log, state),
  });
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
    probe.beginShutdown();
  });
  // A request that began before the drain gets `Connection: close` too, so its keep-alive
  // connection ends with the response instead of holding `close()` open.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  registerErrorHandlers(app, timeouts);
  registerJsonBody(app);
  registerRequestLog(app);
  registerOpenApi(app);
  app.register(healthRoutes, { probe });
  app.register(usersRoutes, { repository: new UsersRepository(deps.pool) });
  return app;
}

function registerErrorHandlers(app: App, timeouts: QueryTimeouts): void {
  app.setErrorHandler((err, request, reply) => {
    const { error, serverSide } = mapError(err, request.id);
    if (classifyDbError(err)?.sqlState === SqlState.QueryCanceled) timeouts.record();
    if (serverSide) request.log.error({ err: loggableError(error.cause ?? err), code: error.code }, error.message);
    else request.log.debug({ code: error.code, details: error.details }, error.message);
    if (error.code === 'DATABASE_UNAVAILABLE') void reply.header('retry-after', RETRY_AFTER_SECONDS);
    return reply.code(error.statusCode).send(error.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('ROUTE_NOT_FOUND', `no route for ${request.method} ${pathOf(request.url)}; the API is described at /docs`);
    return reply.code(404).send(error.toBody());
  });
}

/** Fastify's own request errors (a URL it cannot decode), answered in the API's error shape. */
function answerFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { error } = mapError(err, request.id);
  void reply.code(error.statusCode).send(error.toBody());
}

function logReadiness(log: FastifyBaseLogger, state: SchemaReadiness): void {
  if (state.ready) log.info({ migration: state.migration }, 'ready: the database schema serves this build');
  else log.warn({ reason: state.reason }, `not ready: ${state.reason}`);
}
