/**
 * PostgreSQL keeps at most NAMEDATALEN - 1 = 63 bytes of an identifier and silently drops the
 * rest ("identifier ... will be truncated", a NOTICE nobody reads). It cuts on a character
 * boundary, never inside a multi-byte UTF-8 sequence (`truncate_identifier` -> `pg_mbcliplen`,
 * src/backend/parser/scansup.c), so a name is stored as its longest prefix of whole characters
 * that fits in 63 bytes. Assumes a UTF-8 server encoding, the default of every managed service.
 */

/** The longest identifier PostgreSQL stores, in bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/** The number of UTF-8 bytes of `name`. */
export function identifierBytes(name: string): number {
  return Buffer.byteLength(name, 'utf8');
}

/** The name as PostgreSQL stores it: cut to 63 bytes on a character boundary; unchanged when it fits. */
export function storedIdentifier(name: string): string {
  if (name.length <= MAX_IDENTIFIER_BYTES / 4 || identifierBytes(name) <= MAX_IDENTIFIER_BYTES) return name;
  let bytes = 0;
  let end = 0;
  for (const ch of name) {
    const size = identifierBytes(ch);
    if (bytes + size > MAX_IDENTIFIER_BYTES) break;
    bytes += size;
    end += ch.length;
  }
  return name.slice(0, end);
}
