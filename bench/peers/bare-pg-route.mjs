/**
 * The request-path floor for the service: Fastify and one pg.Pool (the service's pool size), with
 * GET /users/:id running the same query the service's repository sends, the row returned as JSON.
 * No validation, no schema serialisation, no readiness gate, no logging, no ORM. /readyz answers
 * once the pool reaches the database. Plain JavaScript run by plain node; DATABASE_URL, HOST and
 * PORT come from the environment.
 */
import Fastify from 'fastify';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10) });
const app = Fastify({ logger: false });
app.get('/users/:id', async (request, reply) => {
  const { rows } = await pool.query(
    'select "id", "email", "name", "bio", "created_at", "updated_at" from "users" where "users"."id" = $1',
    [Number(request.params.id)],
  );
  if (rows.length === 0) return reply.code(404).send({ error: 'not found' });
  const u = rows[0];
  return { id: Number(u.id), email: u.email, name: u.name, bio: u.bio, createdAt: u.created_at, updatedAt: u.updated_at };
});
app.get('/readyz', async () => {
  await pool.query('SELECT 1');
  return { status: 'ready' };
});
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => void app.close().then(() => pool.end()));
}
