import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The version the OpenAPI document announces. */
export const API_VERSION = '1.0.0';

/**
 * The OpenAPI document (`/openapi.json`, built from the routes' TypeBox schemas) and Swagger UI
 * (`/docs`). Registered before the routes so that it sees every one of them.
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
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
