import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, startTestApp, type TestApp } from '../helpers/app.js';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** `/users/:id` as OpenAPI writes it. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let doc: OpenApiDoc;
  const routes: { method: string; url: string; hidden: boolean }[] = [];
  before(async () => {
    t = await startTestApp('app_openapi', {
      beforeReady: (app) =>
        app.addHook('onRoute', (r) => {
          const hidden = Boolean((r.schema as { hide?: boolean } | undefined)?.hide) || r.url.startsWith('/docs');
          for (const method of [r.method].flat()) routes.push({ method: method.toLowerCase(), url: r.url, hidden });
        }),
    });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = json<OpenApiDoc>(res);
  });
  after(async () => t.close());

  it('is OpenAPI 3.1', () => assert.equal(doc.openapi, '3.1.0'));

  it('documents every route of the service, and nothing else', () => {
    const served = routes.filter((r) => !r.hidden && r.method !== 'head').map((r) => `${r.method} ${openApiPath(r.url)}`).sort();
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    assert.deepEqual(documented, served);
    assert.deepEqual(served, [
      'delete /users/{id}', 'get /healthz', 'get /readyz', 'get /users', 'get /users/{id}', 'patch /users/{id}', 'post /users',
    ]);
  });

  it('gives every operation an id, a summary, a tag and a JSON error schema for its failures', () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${p}`;
        assert.ok(op.operationId && op.summary && op.tags?.length, `${where} lacks an id, summary or tag`);
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400 || p === '/readyz') continue;
          const schema = response.content?.['application/json']?.schema as { properties?: { error?: { properties?: Record<string, unknown> } } };
          assert.ok(schema?.properties?.error?.properties?.code, `${where} ${status} is not the error shape`);
        }
        if (p.startsWith('/users')) assert.ok(op.responses['400'] && op.responses['503'], `${where} documents 400 and 503`);
      }
    }
    assert.ok(doc.paths['/users']!.post!.responses['409'], 'POST /users documents 409');
    assert.ok(doc.paths['/users/{id}']!.get!.responses['404'], 'GET /users/{id} documents 404');
  });

  it('describes the user with every column, bio included', () => {
    const user = doc.paths['/users/{id}']!.get!.responses['200']!.content!['application/json']!.schema as { properties: Record<string, unknown> };
    assert.deepEqual(Object.keys(user.properties).sort(), ['bio', 'createdAt', 'email', 'id', 'name', 'updatedAt']);
  });

  it('validates what it documents: the documented page size bounds are the enforced ones', async () => {
    const limit = doc.paths['/users']!.get!.parameters!.find((x) => x.name === 'limit' && x.in === 'query')!.schema as { minimum: number; maximum: number };
    const status = async (n: number) => (await t.app.inject({ method: 'GET', url: `/users?limit=${n}` })).statusCode;
    assert.deepEqual(
      [await status(limit.minimum - 1), await status(limit.minimum), await status(limit.maximum), await status(limit.maximum + 1)],
      [400, 200, 200, 400],
    );
  });

  it('validates what it documents: the documented name length is the enforced one', async () => {
    const body = doc.paths['/users']!.post!.requestBody!.content['application/json']!.schema as { properties: { name: { anyOf: { maxLength?: number }[] } } };
    const max = body.properties.name.anyOf.find((s) => s.maxLength !== undefined)!.maxLength!;
    const create = async (email: string, name: string) => (await t.app.inject({ method: 'POST', url: '/users', payload: { email, name } })).statusCode;
    assert.equal(await create('max-name@example.org', 'n'.repeat(max)), 201);
    assert.equal(await create('too-long@example.org', 'n'.repeat(max + 1)), 400);
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.match(res.body, /swagger/i);
  });
});
