import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * One log line per request, after the response: method, path (never the query string), route,
 * status and duration. Bodies, query strings and headers are never logged, so an email address or
 * a credential sent by a client cannot end up in the logs. Routes with a raised `logLevel` (the
 * probes) stay quiet through their own child logger.
 *
 * The "request completed" line holds only those fixed fields and the request id, so it goes
 * through a child of the app's logger without the redaction pass (which walks every line for
 * secrets and was most of a line's cost; nothing in this line can hold one): at info, on every
 * request, that is the difference between a fifth of the throughput and a few percent. A failed
 * request's line goes through the request's own logger, redaction included, as every other line.
 */
export function registerRequestLog(app: FastifyInstance): void {
  const completed = (app.log as Logger).child({}, { redact: [] });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    // A 503 is an expected state (database down, draining) already logged where it arises; at info
    // it also stays out of the probes' quieter logs.
    if (status >= 500 && status !== 503) {
      request.log.warn(requestLine(request.method, request.url, request.routeOptions.url, status, reply.elapsedTime), 'request failed');
    } else if ((request.log as Logger).isLevelEnabled('info')) {
      const line = requestLine(request.method, request.url, request.routeOptions.url, status, reply.elapsedTime);
      completed.info({ reqId: request.id, ...line }, 'request completed');
    }
    done();
  });
}

function requestLine(method: string, url: string, route: string | undefined, status: number, elapsedMs: number) {
  return { method, path: pathOf(url), route: route ?? null, status, ms: Math.round(elapsedMs * 10) / 10 };
}

/** The path of a request URL, without its query string, capped in length. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
}
