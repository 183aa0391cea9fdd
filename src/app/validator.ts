import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

const INTEGER_TEXT = /^-?[0-9]{1,16}$/;

/**
 * Validates requests with TypeBox. Bodies are JSON and checked as sent (no coercion: `"name": 5`
 * is an error, not "5"). Path and query values arrive as text; only an integer property receives
 * a conversion, and only from plain decimal digits, so `/users/1.5` or `/users/1e3` are rejected
 * instead of being read as user 1 or 1000.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  // Compiled on the route's first request, not at start (see serializer.ts for why).
  let compiled: ReturnType<typeof Compile<TSchema>> | undefined;
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const integers = Object.keys(properties).filter((k) => properties[k]?.type === 'integer');
  return (value: unknown) => {
    const input = httpPart === 'body' || integers.length === 0 ? value : convertIntegers(value, integers);
    const check = (compiled ??= Compile(schema));
    if (check.Check(input)) return { value: input };
    return { error: check.Errors(input) as unknown as FastifySchemaValidationError[] };
  };
};

function convertIntegers(value: unknown, keys: readonly string[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of keys) {
    const v = out[key];
    if (typeof v === 'string' && INTEGER_TEXT.test(v)) out[key] = Number(v);
  }
  return out;
}
