import { identifierBytes, MAX_IDENTIFIER_BYTES, storedIdentifier } from '../../sql/identifier.js';
import { identifiersOf } from '../identifiers.js';
import type { LintRule, RuleHit } from '../types.js';

/** An identifier longer than PostgreSQL keeps (63 bytes). */
export const rule: LintRule = {
  id: 'identifier-too-long',
  severity: 'warning',
  summary: 'an identifier longer than 63 bytes (PostgreSQL silently cuts it)',
  why:
    'PostgreSQL stores at most 63 bytes of a name and drops the rest with only a NOTICE. The object then has another ' +
    'name than the migration and the models say: two long names that share their first 63 bytes collide ("already ' +
    'exists"), and a tool that compares names (drizzle-kit, a later DROP CONSTRAINT written from the models) looks ' +
    'for a name that does not exist.',
  fix:
    'Give the object a shorter name (drizzle: the name argument of foreignKey(), index(), unique(), ...), at most 63 ' +
    'bytes; multi-byte characters count with their UTF-8 size.',
  check(stmt) {
    const hits: RuleHit[] = [];
    for (const stored of identifiersOf(stmt.node)) {
      // The parser has already cut the name (as the server's scanner does): a cut name is 60 to 63
      // bytes, and the statement spells it longer.
      if (identifierBytes(stored) < MAX_IDENTIFIER_BYTES - 3) continue;
      const written = spelledLonger(stmt.text, stored);
      if (!written) continue;
      hits.push({
        message: `identifier "${written.name}" is ${identifierBytes(written.name)} bytes; PostgreSQL stores it as "${storedIdentifier(written.name)}"`,
        offset: stmt.start + written.at,
      });
    }
    return hits;
  },
};

/** The identifier as the statement writes it, when it is longer than the stored name; else undefined. */
function spelledLonger(text: string, stored: string): { name: string; at: number } | undefined {
  const escaped = stored.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '""');
  const quoted = new RegExp(`"(${escaped}(?:[^"]|"")+)"`, 'u').exec(text);
  if (quoted) return { name: quoted[1]!.replace(/""/g, '"'), at: quoted.index };
  const bare = new RegExp(`(?<![\\p{L}\\p{N}_$])(${escaped}[\\p{L}\\p{N}_$]+)`, 'iu').exec(text);
  return bare ? { name: bare[1]!.toLowerCase(), at: bare.index } : undefined;
}
