/**
 * The HTTP ceiling: Fastify with one JSON route and nothing else (no database, no validation,
 * no logging). Plain JavaScript run by plain node, as the service's built code is, so that start
 * time and memory compare like with like. HOST and PORT come from the environment.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
for (const sig of ["SIGTERM", "SIGINT"]) process.once(sig, () => void app.close());
