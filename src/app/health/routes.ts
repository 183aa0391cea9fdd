import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ReadinessProbe } from './readiness-probe.js';

export interface HealthRoutesOptions {
  readonly probe: ReadinessProbe;
}

const Alive = Type.Object({ status: Type.Literal('ok') }, { title: 'Alive' });
const Ready = Type.Object(
  {
    ready: Type.Literal(true),
    migration: Type.Union([Type.String(), Type.Null()], { description: "This build's newest migration, applied in the database." }),
  },
  { title: 'Ready' },
);
const NotReady = Type.Object(
  { ready: Type.Literal(false), reason: Type.String({ description: 'Why, e.g. "database unreachable: ..." or "shutting down".' }) },
  { title: 'NotReady' },
);

/**
 * Kubernetes probes. Probe traffic is logged only at warn and above (one line per probe every few
 * seconds would drown the request log); readiness changes are logged by the probe itself.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { probe }) => {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/healthz', {
    logLevel: 'warn',
    schema: {
      tags: ['health'], summary: 'Liveness: the process is up (no database access)', operationId: 'healthz',
      response: { 200: Alive },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    logLevel: 'warn',
    schema: {
      tags: ['health'], operationId: 'readyz',
      summary: "Readiness: the database is reachable and its schema is at or ahead of this build's newest migration",
      response: { 200: Ready, 503: NotReady },
    },
  }, async (_request, reply) => {
    const state = await probe.current();
    return state.ready ? reply.code(200).send(state) : reply.code(503).send(state);
  });
};
