import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** The version the OpenAPI document announces. */
export const API_VERSION = '1.0.0';

const DOCS_PREFIX = '/docs';
/** Marks the UI's own "no such route" answer, so that the service's 404 shape replaces it. */
const UI_MISS_HEADER = 'x-dbship-docs-miss';
/** Headers of the UI's answer that belong to its own connection, not to the forwarded response. */
/** Request headers the UI's static files answer (304 Not Modified). */
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since'] as const;
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * The OpenAPI document (`/openapi.json`, built from the routes' TypeBox schemas) and Swagger UI
 * (`/docs`). Registered before the routes so that it sees every one of them.
 *
 * The UI (its plugin, a static file server and their dependencies) is loaded on the first request
 * to `/docs`, not at start: no probe or API request needs it, and loading it was about a tenth of
 * the service's start time. It runs in a Fastify instance of its own that never listens; `/docs`
 * and `/docs/*` hand it the request and send its answer back.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'dbship users API',
        version: API_VERSION,
        description: 'Users over PostgreSQL. Every error is `{ "error": { "code", "message", "details"? } }` with a stable `code`.',
      },
      tags: [
        { name: 'users', description: 'User accounts' },
        { name: 'health', description: 'Kubernetes liveness and readiness probes' },
      ],
    },
  });
  let ui: Promise<FastifyInstance> | undefined;
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    ui ??= docsUi(app.swagger() as object).catch((err: unknown) => {
      ui = undefined;
      throw err;
    });
    const headers: Record<string, string> = {};
    for (const name of CONDITIONAL_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const res = await (await ui).inject({ method: 'GET', url: request.url, headers });
    if (res.headers[UI_MISS_HEADER]) return reply.callNotFound();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !HOP_HEADERS.has(name)) void reply.header(name, value);
    }
    return reply.code(res.statusCode).send(res.rawPayload);
  };
  app.get(DOCS_PREFIX, { schema: { hide: true } }, forward);
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, forward);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * Swagger UI on a Fastify instance of its own, showing the service's document (complete once the
 * service is ready, and fixed from then on).
 */
async function docsUi(document: object): Promise<FastifyInstance> {
  const { default: swaggerUi } = await import('@fastify/swagger-ui');
  const ui = Fastify({ logger: false });
  await ui.register(swagger, { mode: 'static', specification: { document: document as never } });
  await ui.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  ui.setNotFoundHandler((_request, reply) => reply.code(404).header(UI_MISS_HEADER, '1').send());
  await ui.ready();
  return ui;
}
