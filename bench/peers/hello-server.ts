/**
 * The HTTP ceiling: Fastify with one JSON route and nothing else (no database, no validation,
 * no logging), run the same way as the service. HOST and PORT come from the environment.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => void app.close());
