import type { FastifyInstance } from 'fastify';
import { ApiError } from './http-errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses `application/json` bodies as strict UTF-8 (RFC 8259 requires it). Fastify's own parser
 * decodes leniently, so a Latin-1 `é` became U+FFFD and was stored: the API promises text
 * "exactly as sent", so bytes that are not UTF-8 are a `400 INVALID_JSON` instead. The JSON
 * itself is parsed by Fastify's default parser (prototype-poisoning protection included).
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new ApiError('INVALID_JSON', 'the request body is not valid UTF-8; send JSON encoded as UTF-8'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
