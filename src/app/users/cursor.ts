/**
 * Keyset pagination cursors. A cursor is opaque to clients (base64url text) so that the ordering
 * key can change without breaking them; today it carries the last id of a page, and the next page
 * is `id > that id`, which neither skips nor repeats rows when rows are inserted or deleted.
 */

const PREFIX = 'u1:';
const ID = /^[1-9][0-9]{0,15}$/;

/** The cursor that continues after the row with this id. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`${PREFIX}${lastId}`, 'utf8').toString('base64url');
}

/** The id a cursor continues after, or null when it is not a cursor this API issued. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith(PREFIX)) return null;
  const digits = text.slice(PREFIX.length);
  if (!ID.test(digits)) return null;
  const id = Number(digits);
  if (!Number.isSafeInteger(id)) return null;
  // Base64 has several spellings of the same bytes; accept only the one this API issues.
  return encodeCursor(id) === cursor ? id : null;
}
