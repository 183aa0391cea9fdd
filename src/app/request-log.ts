import type { FastifyInstance } from 'fastify';

/**
 * One log line per request, after the response: method, path (never the query string), route,
 * status and duration. Bodies, query strings and headers are never logged, so an email address or
 * a credential sent by a client cannot end up in the logs. Routes with a raised `logLevel` (the
 * probes) stay quiet through their own child logger.
 */
export function registerRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      path: pathOf(request.url),
      route: request.routeOptions.url ?? null,
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    // A 503 is an expected state (database down, draining) already logged where it arises; at info
    // it also stays out of the probes' quieter logs.
    if (status >= 500 && status !== 503) request.log.warn(line, 'request failed');
    else request.log.info(line, 'request completed');
  });
}

/** The path of a request URL, without its query string, capped in length. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
