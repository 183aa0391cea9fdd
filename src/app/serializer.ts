import { SerializerSelector, type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

/**
 * Fastify's own response serialisers (fast-json-stringify, the default), each compiled on the
 * route's first response with that status instead of when the server starts: compiling every
 * route's response schemas was the largest single cost of the service's start, and a probe or a
 * first request needs only its own. The compiled serialiser is kept, so later responses cost what
 * they cost before; a schema fast-json-stringify rejects fails that route's first response (the
 * test suite serves every route) instead of the start.
 */
export const lazySerializers: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  return (route) => {
    let serialize: ((doc: unknown) => string) | undefined;
    return (doc: unknown) => (serialize ??= compile(route))(doc);
  };
};
