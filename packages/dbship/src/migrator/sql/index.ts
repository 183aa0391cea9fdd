/**
 * SQL text: the parser-based statement splitter (split.ts), source positions in bytes, code
 * points and lines (source.ts), comment scanning (comments.ts), and the error report of a
 * failing statement with its file, line and caret (statement-error.ts), strict UTF-8 decoding of a
 * migration file (encoding.ts), and the statements dbship refuses to run: transaction control,
 * COPY with the client, an empty file (runnable.ts). Shared by the runtime
 * and lint; depends on nothing else in the migrator.
 */
export { splitStatements, type SqlStatement } from './split.js';
export { SourceText } from './source.js';
